// DO NOT EDIT: generated from proto/ by `npm run gen:proto`.
// Original file: proto/callfs/v1/files.proto

import type { Conditions as _callfs_v1_Conditions, Conditions__Output as _callfs_v1_Conditions__Output } from '../../callfs/v1/Conditions.js';

export interface DeleteRequest {
  'path'?: (string);
  'recursive'?: (boolean);
  'conditions'?: (_callfs_v1_Conditions | null);
}

export interface DeleteRequest__Output {
  'path': (string);
  'recursive': (boolean);
  'conditions': (_callfs_v1_Conditions__Output | null);
}

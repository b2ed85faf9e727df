// DO NOT EDIT: generated from proto/ by `npm run gen:proto`.
// Original file: proto/callfs/v1/files.proto

import type { WriteMode as _callfs_v1_WriteMode, WriteMode__Output as _callfs_v1_WriteMode__Output } from '../../callfs/v1/WriteMode.js';
import type { Conditions as _callfs_v1_Conditions, Conditions__Output as _callfs_v1_Conditions__Output } from '../../callfs/v1/Conditions.js';
import type { Long } from '@grpc/proto-loader';

export interface WriteHeader {
  'path'?: (string);
  'write_mode'?: (_callfs_v1_WriteMode);
  'expected_size'?: (number | string | Long);
  'conditions'?: (_callfs_v1_Conditions | null);
}

export interface WriteHeader__Output {
  'path': (string);
  'write_mode': (_callfs_v1_WriteMode__Output);
  'expected_size': (number);
  'conditions': (_callfs_v1_Conditions__Output | null);
}

// DO NOT EDIT: generated from proto/ by `npm run gen:proto`.
// Original file: proto/callfs/v1/files.proto

import type { WriteReady as _callfs_v1_WriteReady, WriteReady__Output as _callfs_v1_WriteReady__Output } from '../../callfs/v1/WriteReady.js';
import type { WriteResult as _callfs_v1_WriteResult, WriteResult__Output as _callfs_v1_WriteResult__Output } from '../../callfs/v1/WriteResult.js';

export interface WriteResponse {
  'ready'?: (_callfs_v1_WriteReady | null);
  'result'?: (_callfs_v1_WriteResult | null);
  'msg'?: "ready"|"result";
}

export interface WriteResponse__Output {
  'ready'?: (_callfs_v1_WriteReady__Output | null);
  'result'?: (_callfs_v1_WriteResult__Output | null);
  'msg'?: "ready"|"result";
}

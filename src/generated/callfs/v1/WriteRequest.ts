// DO NOT EDIT: generated from proto/ by `npm run gen:proto`.
// Original file: proto/callfs/v1/files.proto

import type { WriteHeader as _callfs_v1_WriteHeader, WriteHeader__Output as _callfs_v1_WriteHeader__Output } from '../../callfs/v1/WriteHeader.js';
import type { WriteFinish as _callfs_v1_WriteFinish, WriteFinish__Output as _callfs_v1_WriteFinish__Output } from '../../callfs/v1/WriteFinish.js';

export interface WriteRequest {
  'header'?: (_callfs_v1_WriteHeader | null);
  'chunk'?: (Buffer | Uint8Array | string);
  'finish'?: (_callfs_v1_WriteFinish | null);
  'msg'?: "header"|"chunk"|"finish";
}

export interface WriteRequest__Output {
  'header'?: (_callfs_v1_WriteHeader__Output | null);
  'chunk'?: (Buffer);
  'finish'?: (_callfs_v1_WriteFinish__Output | null);
  'msg'?: "header"|"chunk"|"finish";
}

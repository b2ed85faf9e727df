// DO NOT EDIT: generated from proto/ by `npm run gen:proto`.
// Original file: proto/callfs/v1/node.proto

import type { StageFileHeader as _callfs_v1_StageFileHeader, StageFileHeader__Output as _callfs_v1_StageFileHeader__Output } from '../../callfs/v1/StageFileHeader.js';

export interface StageFileRequest {
  'header'?: (_callfs_v1_StageFileHeader | null);
  'chunk'?: (Buffer | Uint8Array | string);
  'msg'?: "header"|"chunk";
}

export interface StageFileRequest__Output {
  'header'?: (_callfs_v1_StageFileHeader__Output | null);
  'chunk'?: (Buffer);
  'msg'?: "header"|"chunk";
}

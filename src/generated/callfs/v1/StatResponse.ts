// DO NOT EDIT: generated from proto/ by `npm run gen:proto`.
// Original file: proto/callfs/v1/files.proto

import type { FileInfo as _callfs_v1_FileInfo, FileInfo__Output as _callfs_v1_FileInfo__Output } from '../../callfs/v1/FileInfo.js';

export interface StatResponse {
  'info'?: (_callfs_v1_FileInfo | null);
  'not_modified'?: (boolean);
}

export interface StatResponse__Output {
  'info': (_callfs_v1_FileInfo__Output | null);
  'not_modified': (boolean);
}

// DO NOT EDIT: generated from proto/ by `npm run gen:proto`.
// Original file: proto/callfs/v1/files.proto

import type { FileInfo as _callfs_v1_FileInfo, FileInfo__Output as _callfs_v1_FileInfo__Output } from '../../callfs/v1/FileInfo.js';
import type { ByteSpan as _callfs_v1_ByteSpan, ByteSpan__Output as _callfs_v1_ByteSpan__Output } from '../../callfs/v1/ByteSpan.js';

export interface ReadResponse {
  'header'?: (_callfs_v1_FileInfo | null);
  'chunk'?: (Buffer | Uint8Array | string);
  'range'?: (_callfs_v1_ByteSpan | null);
  'not_modified'?: (boolean);
  'body'?: (Buffer | Uint8Array | string);
  'msg'?: "header"|"chunk";
}

export interface ReadResponse__Output {
  'header'?: (_callfs_v1_FileInfo__Output | null);
  'chunk'?: (Buffer);
  'range': (_callfs_v1_ByteSpan__Output | null);
  'not_modified': (boolean);
  'body': (Buffer);
  'msg'?: "header"|"chunk";
}

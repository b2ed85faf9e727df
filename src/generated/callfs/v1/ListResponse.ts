// DO NOT EDIT: generated from proto/ by `npm run gen:proto`.
// Original file: proto/callfs/v1/files.proto

import type { FileInfo as _callfs_v1_FileInfo, FileInfo__Output as _callfs_v1_FileInfo__Output } from '../../callfs/v1/FileInfo.js';
import type { ListPage as _callfs_v1_ListPage, ListPage__Output as _callfs_v1_ListPage__Output } from '../../callfs/v1/ListPage.js';

export interface ListResponse {
  'entry'?: (_callfs_v1_FileInfo | null);
  'page'?: (_callfs_v1_ListPage | null);
}

export interface ListResponse__Output {
  'entry': (_callfs_v1_FileInfo__Output | null);
  'page': (_callfs_v1_ListPage__Output | null);
}

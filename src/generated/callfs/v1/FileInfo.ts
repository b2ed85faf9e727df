// DO NOT EDIT: generated from proto/ by `npm run gen:proto`.
// Original file: proto/callfs/v1/files.proto

import type { FileType as _callfs_v1_FileType, FileType__Output as _callfs_v1_FileType__Output } from '../../callfs/v1/FileType.js';
import type { Long } from '@grpc/proto-loader';

export interface FileInfo {
  'path'?: (string);
  'name'?: (string);
  'type'?: (_callfs_v1_FileType);
  'size'?: (number | string | Long);
  'mode'?: (number);
  'owner'?: (string);
  'mtime_ms'?: (number | string | Long);
  'instance_id'?: (string);
  'backend_type'?: (string);
  'gen'?: (number | string | Long);
  'etag'?: (string);
}

export interface FileInfo__Output {
  'path': (string);
  'name': (string);
  'type': (_callfs_v1_FileType__Output);
  'size': (number);
  'mode': (number);
  'owner': (string);
  'mtime_ms': (number);
  'instance_id': (string);
  'backend_type': (string);
  'gen': (number);
  'etag': (string);
}

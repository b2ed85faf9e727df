// DO NOT EDIT: generated from proto/ by `npm run gen:proto`.
// Original file: proto/callfs/v1/files.proto

import type { FileType as _callfs_v1_FileType, FileType__Output as _callfs_v1_FileType__Output } from '../../callfs/v1/FileType.js';
import type { Long } from '@grpc/proto-loader';

export interface WatchEvent {
  'type'?: (string);
  'path'?: (string);
  'from'?: (string);
  'entry_type'?: (_callfs_v1_FileType);
  'instance_id'?: (string);
  'backend_type'?: (string);
  'size'?: (number | string | Long);
  'owner'?: (string);
  'mtime_ms'?: (number | string | Long);
  'revision'?: (string);
  'last_in_revision'?: (boolean);
}

export interface WatchEvent__Output {
  'type': (string);
  'path': (string);
  'from': (string);
  'entry_type': (_callfs_v1_FileType__Output);
  'instance_id': (string);
  'backend_type': (string);
  'size': (number);
  'owner': (string);
  'mtime_ms': (number);
  'revision': (string);
  'last_in_revision': (boolean);
}

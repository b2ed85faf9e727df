// DO NOT EDIT: generated from proto/ by `npm run gen:proto`.
// Original file: proto/callfs/v1/node.proto

import type { ReadRequest as _callfs_v1_ReadRequest, ReadRequest__Output as _callfs_v1_ReadRequest__Output } from '../../callfs/v1/ReadRequest.js';
import type { Long } from '@grpc/proto-loader';

export interface ReadManyRequest {
  'id'?: (number | string | Long);
  'user'?: (string);
  'read'?: (_callfs_v1_ReadRequest | null);
}

export interface ReadManyRequest__Output {
  'id': (number);
  'user': (string);
  'read': (_callfs_v1_ReadRequest__Output | null);
}

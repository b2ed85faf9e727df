// DO NOT EDIT: generated from proto/ by `npm run gen:proto`.
// Original file: proto/callfs/v1/node.proto

import type { ReadResponse as _callfs_v1_ReadResponse, ReadResponse__Output as _callfs_v1_ReadResponse__Output } from '../../callfs/v1/ReadResponse.js';
import type { CallStatus as _callfs_v1_CallStatus, CallStatus__Output as _callfs_v1_CallStatus__Output } from '../../callfs/v1/CallStatus.js';
import type { Long } from '@grpc/proto-loader';

export interface ReadManyResponse {
  'id'?: (number | string | Long);
  'read'?: (_callfs_v1_ReadResponse | null);
  'error'?: (_callfs_v1_CallStatus | null);
  'use_call'?: (boolean);
  'answer'?: "read"|"error"|"use_call";
}

export interface ReadManyResponse__Output {
  'id': (number);
  'read'?: (_callfs_v1_ReadResponse__Output | null);
  'error'?: (_callfs_v1_CallStatus__Output | null);
  'use_call'?: (boolean);
  'answer'?: "read"|"error"|"use_call";
}

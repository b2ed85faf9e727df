// DO NOT EDIT: generated from proto/ by `npm run gen:proto`.
// Original file: proto/callfs/v1/node.proto

import type { Long } from '@grpc/proto-loader';

export interface StageFileResponse {
  'size'?: (number | string | Long);
  'write'?: (string);
}

export interface StageFileResponse__Output {
  'size': (number);
  'write': (string);
}

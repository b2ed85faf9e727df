// DO NOT EDIT: generated from proto/ by `npm run gen:proto`.
// Original file: proto/callfs/v1/files.proto

import type { Long } from '@grpc/proto-loader';

export interface WriteFinish {
  'size'?: (number | string | Long);
}

export interface WriteFinish__Output {
  'size': (number);
}

// DO NOT EDIT: generated from proto/ by `npm run gen:proto`.
// Original file: proto/callfs/v1/files.proto

import type { Long } from '@grpc/proto-loader';

export interface ByteSpan {
  'start'?: (number | string | Long);
  'end'?: (number | string | Long);
}

export interface ByteSpan__Output {
  'start': (number);
  'end': (number);
}

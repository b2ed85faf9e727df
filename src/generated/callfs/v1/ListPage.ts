// DO NOT EDIT: generated from proto/ by `npm run gen:proto`.
// Original file: proto/callfs/v1/files.proto

import type { Long } from '@grpc/proto-loader';

export interface ListPage {
  'count'?: (number | string | Long);
  'next_cursor'?: (string);
}

export interface ListPage__Output {
  'count': (number);
  'next_cursor': (string);
}

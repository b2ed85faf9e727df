// DO NOT EDIT: generated from proto/ by `npm run gen:proto`.
// Original file: proto/callfs/v1/node.proto

import type { Long } from '@grpc/proto-loader';

export interface StageFileHeader {
  'stage_id'?: (string);
  'path'?: (string);
  'gen'?: (number | string | Long);
  'size'?: (number | string | Long);
  'names_write'?: (boolean);
}

export interface StageFileHeader__Output {
  'stage_id': (string);
  'path': (string);
  'gen': (number);
  'size': (number);
  'names_write': (boolean);
}

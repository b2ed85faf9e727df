// DO NOT EDIT: generated from proto/ by `npm run gen:proto`.
// Original file: proto/callfs/v1/files.proto

import type { Conditions as _callfs_v1_Conditions, Conditions__Output as _callfs_v1_Conditions__Output } from '../../callfs/v1/Conditions.js';
import type { Long } from '@grpc/proto-loader';

export interface ReadRequest {
  'path'?: (string);
  'offset'?: (number | string | Long);
  'length'?: (number | string | Long);
  'conditions'?: (_callfs_v1_Conditions | null);
  'if_range'?: (string);
  'inline_small_body'?: (boolean);
  'range_offset'?: "offset";
  'range_length'?: "length";
}

export interface ReadRequest__Output {
  'path': (string);
  'offset'?: (number);
  'length'?: (number);
  'conditions': (_callfs_v1_Conditions__Output | null);
  'if_range': (string);
  'inline_small_body': (boolean);
  'range_offset'?: "offset";
  'range_length'?: "length";
}

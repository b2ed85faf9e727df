// DO NOT EDIT: generated from proto/ by `npm run gen:proto`.
// Original file: proto/callfs/v1/files.proto

import type { Long } from '@grpc/proto-loader';

export interface Conditions {
  'if_match'?: (string)[];
  'if_none_match'?: (string)[];
  'if_modified_since_ms'?: (number | string | Long);
  'if_unmodified_since_ms'?: (number | string | Long);
  'modified_since'?: "if_modified_since_ms";
  'unmodified_since'?: "if_unmodified_since_ms";
}

export interface Conditions__Output {
  'if_match': (string)[];
  'if_none_match': (string)[];
  'if_modified_since_ms'?: (number);
  'if_unmodified_since_ms'?: (number);
  'modified_since'?: "if_modified_since_ms";
  'unmodified_since'?: "if_unmodified_since_ms";
}

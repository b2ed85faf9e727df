// DO NOT EDIT: generated from proto/ by `npm run gen:proto`.
// Original file: proto/callfs/v1/files.proto


export interface ListRequest {
  'path'?: (string);
  'limit'?: (number);
  'cursor'?: (string);
  'recursive'?: (boolean);
  'max_depth'?: (number);
  'depth'?: "max_depth";
}

export interface ListRequest__Output {
  'path': (string);
  'limit': (number);
  'cursor': (string);
  'recursive': (boolean);
  'max_depth'?: (number);
  'depth'?: "max_depth";
}

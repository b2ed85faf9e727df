// DO NOT EDIT: generated from proto/ by `npm run gen:proto`.
// Original file: proto/callfs/v1/files.proto


export interface WatchRequest {
  'path'?: (string);
  'recursive'?: (boolean);
  'since'?: (string);
}

export interface WatchRequest__Output {
  'path': (string);
  'recursive': (boolean);
  'since': (string);
}

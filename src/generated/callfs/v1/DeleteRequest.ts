// DO NOT EDIT: generated from proto/ by `npm run gen:proto`.
// Original file: proto/callfs/v1/files.proto


export interface DeleteRequest {
  'path'?: (string);
  'recursive'?: (boolean);
}

export interface DeleteRequest__Output {
  'path': (string);
  'recursive': (boolean);
}

// DO NOT EDIT: generated from proto/ by `npm run gen:proto`.
// Original file: proto/callfs/v1/files.proto


export interface ReadRequest {
  'path'?: (string);
}

export interface ReadRequest__Output {
  'path': (string);
}

// DO NOT EDIT: generated from proto/ by `npm run gen:proto`.
// Original file: proto/callfs/v1/files.proto


export interface StatRequest {
  'path'?: (string);
}

export interface StatRequest__Output {
  'path': (string);
}

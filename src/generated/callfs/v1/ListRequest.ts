// DO NOT EDIT: generated from proto/ by `npm run gen:proto`.
// Original file: proto/callfs/v1/files.proto


export interface ListRequest {
  'path'?: (string);
}

export interface ListRequest__Output {
  'path': (string);
}

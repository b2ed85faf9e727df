// DO NOT EDIT: generated from proto/ by `npm run gen:proto`.
// Original file: proto/callfs/v1/files.proto


export interface MkdirRequest {
  'path'?: (string);
}

export interface MkdirRequest__Output {
  'path': (string);
}

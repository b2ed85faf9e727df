// DO NOT EDIT: generated from proto/ by `npm run gen:proto`.
// Original file: proto/callfs/v1/files.proto


export interface WriteReady {
  'chunk_size'?: (number);
  'exists'?: (boolean);
}

export interface WriteReady__Output {
  'chunk_size': (number);
  'exists': (boolean);
}

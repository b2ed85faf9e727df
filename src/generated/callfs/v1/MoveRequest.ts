// DO NOT EDIT: generated from proto/ by `npm run gen:proto`.
// Original file: proto/callfs/v1/files.proto


export interface MoveRequest {
  'source'?: (string);
  'destination'?: (string);
  'overwrite'?: (boolean);
  'create_parents'?: (boolean);
  'instance'?: (string);
  'backend'?: (string);
  'name'?: (string);
}

export interface MoveRequest__Output {
  'source': (string);
  'destination': (string);
  'overwrite': (boolean);
  'create_parents': (boolean);
  'instance': (string);
  'backend': (string);
  'name': (string);
}

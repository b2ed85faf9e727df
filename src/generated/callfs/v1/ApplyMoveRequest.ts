// DO NOT EDIT: generated from proto/ by `npm run gen:proto`.
// Original file: proto/callfs/v1/node.proto


export interface ApplyMoveRequest {
  'journal_id'?: (string);
  'source'?: (string);
  'destination'?: (string);
}

export interface ApplyMoveRequest__Output {
  'journal_id': (string);
  'source': (string);
  'destination': (string);
}

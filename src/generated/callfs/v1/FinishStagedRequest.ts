// DO NOT EDIT: generated from proto/ by `npm run gen:proto`.
// Original file: proto/callfs/v1/node.proto


export interface FinishStagedRequest {
  'stage_id'?: (string);
  'commit'?: (boolean);
}

export interface FinishStagedRequest__Output {
  'stage_id': (string);
  'commit': (boolean);
}

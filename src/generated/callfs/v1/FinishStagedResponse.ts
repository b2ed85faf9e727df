// DO NOT EDIT: generated from proto/ by `npm run gen:proto`.
// Original file: proto/callfs/v1/node.proto


export interface FinishStagedResponse {
}

export interface FinishStagedResponse__Output {
}

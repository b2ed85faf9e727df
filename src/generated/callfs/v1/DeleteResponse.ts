// DO NOT EDIT: generated from proto/ by `npm run gen:proto`.
// Original file: proto/callfs/v1/files.proto


export interface DeleteResponse {
}

export interface DeleteResponse__Output {
}

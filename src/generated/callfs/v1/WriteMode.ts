// DO NOT EDIT: generated from proto/ by `npm run gen:proto`.
// Original file: proto/callfs/v1/files.proto

export const WriteMode = {
  WRITE_MODE_UNSPECIFIED: 'WRITE_MODE_UNSPECIFIED',
  WRITE_MODE_CREATE_ONLY: 'WRITE_MODE_CREATE_ONLY',
  WRITE_MODE_CREATE_OR_REPLACE: 'WRITE_MODE_CREATE_OR_REPLACE',
} as const;

export type WriteMode =
  | 'WRITE_MODE_UNSPECIFIED'
  | 0
  | 'WRITE_MODE_CREATE_ONLY'
  | 1
  | 'WRITE_MODE_CREATE_OR_REPLACE'
  | 2

export type WriteMode__Output = typeof WriteMode[keyof typeof WriteMode]

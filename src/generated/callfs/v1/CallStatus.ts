// DO NOT EDIT: generated from proto/ by `npm run gen:proto`.
// Original file: proto/callfs/v1/node.proto


export interface CallStatus {
  'code'?: (number);
  'details'?: (string);
  'trailers'?: ({[key: string]: string});
}

export interface CallStatus__Output {
  'code': (number);
  'details': (string);
  'trailers': ({[key: string]: string});
}

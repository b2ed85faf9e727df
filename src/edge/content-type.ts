// The Content-Type of a file's bytes, from its name's extension through the mime-db table
// (mime-types): a well-kept registry rather than a list of our own. Unknown extensions stay
// application/octet-stream; `X-Content-Type-Options: nosniff` keeps browsers from guessing.
import { lookup } from 'mime-types';

export const OCTET_STREAM = 'application/octet-stream';

export function contentTypeOf(name: string): string {
  return lookup(name) || OCTET_STREAM;
}

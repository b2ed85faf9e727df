// Conditions and ranges of a call on the wire (proto Conditions, ReadRequest offset/length):
// the caller's edge parsed them; the owner evaluates them against the version it acts on.
import type { ByteRange } from '../files/byte-range.js';
import type { Conditions } from '../files/conditions.js';
import type { ReadOptions } from '../files/ports.js';
import type { Conditions as WireConditions } from '../generated/callfs/v1/Conditions.js';
import type { Conditions__Output } from '../generated/callfs/v1/Conditions.js';
import type { ReadRequest, ReadRequest__Output } from '../generated/callfs/v1/ReadRequest.js';

export function conditionsToWire(c: Conditions | undefined): WireConditions | null {
  if (!c) return null;
  return {
    if_match: c.ifMatch ?? [],
    if_none_match: c.ifNoneMatch ?? [],
    ...(c.ifModifiedSince === undefined ? {} : { if_modified_since_ms: c.ifModifiedSince }),
    ...(c.ifUnmodifiedSince === undefined ? {} : { if_unmodified_since_ms: c.ifUnmodifiedSince }),
  };
}

export function conditionsFromWire(
  w: Conditions__Output | null | undefined,
): Conditions | undefined {
  if (!w) return undefined;
  const c: Conditions = {};
  if (w.if_match.length) c.ifMatch = w.if_match;
  if (w.if_none_match.length) c.ifNoneMatch = w.if_none_match;
  if (w.modified_since) c.ifModifiedSince = Number(w.if_modified_since_ms);
  if (w.unmodified_since) c.ifUnmodifiedSince = Number(w.if_unmodified_since_ms);
  return c;
}

export function readRequestToWire(path: string, o: ReadOptions = {}): ReadRequest {
  const req: ReadRequest = { path, conditions: conditionsToWire(o.conditions) };
  if (o.range) {
    req.offset = o.range.offset;
    if (o.range.length !== undefined) req.length = o.range.length;
  }
  if (o.ifRange) req.if_range = o.ifRange;
  return req;
}

export function readOptionsFromWire(r: ReadRequest__Output): ReadOptions {
  const o: ReadOptions = { conditions: conditionsFromWire(r.conditions) };
  if (r.range_offset) {
    const range: ByteRange = { offset: Number(r.offset) };
    if (r.range_length) range.length = Number(r.length);
    o.range = range;
  }
  if (r.if_range) o.ifRange = r.if_range;
  return o;
}

// Sends a file's bytes as the response body. Under the Node adapter the Node stream is piped
// straight into the socket: converting it to a web stream (Readable.toWeb) and having the
// adapter read it back costs a promise and a copy per chunk and caps large GETs well below
// plain node:http. A body that can send itself (localfs: two read buffers reused for the whole
// transfer, DirectBody) does so into an HTTP/1 response, sparing V8 the major GCs that a
// fresh 1 MiB buffer per chunk sets off. Small bodies are read whole (a local file's come read
// already, WholeBody) and written with the headers in one go. Elsewhere (app.request() in
// tests) the web stream is the only way. A body that fails after the headers were sent
// destroys the socket, so a truncated body never ends cleanly; a client that goes away
// destroys the body.
import { ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Context } from 'hono';
import { InternalError } from '../files/errors.js';
import { isDirectBody } from '../files/direct-body.js';
import { readSmallBody, wholeBytesOf } from '../files/whole-body.js';
import type { EdgeEnv } from './request.js';

/** Bodies up to this size are read into one buffer (one read for a local file). */
export const SMALL_BODY_BYTES = 64 * 1024;

/** The adapter's marker for "the handler has written the response itself". */
const ALREADY_SENT = 'x-hono-already-sent';

/**
 * The platform's Response. The Node adapter replaces the global Response with a lightweight
 * one that it would write out again; a clone is always the platform's own.
 */
const PlatformResponse = new Response(null).clone().constructor as typeof Response;

export async function sendBody(
  c: Context<EdgeEnv>,
  headers: Record<string, string>,
  body: Readable,
  size: number,
): Promise<Response> {
  const outgoing = c.env?.outgoing;
  const writable = outgoing !== undefined && 'writeHead' in outgoing;
  if (size <= SMALL_BODY_BYTES) {
    const bytes = wholeBytes(body, size) ?? exactly(await readSmallBody(body, size), size);
    if (!writable) {
      // A Buffer is a Uint8Array over a (never shared) ArrayBuffer.
      return c.body(bytes as Uint8Array<ArrayBuffer>, 200, headers);
    }
    // Head and body written here: through c.body the headers would become a Headers object,
    // be set again by the middleware and be copied back out.
    outgoing.writeHead(200, headerList(c.get('standardHeaders'), headers));
    if (bytes.length <= ONE_STRING_BYTES) {
      // As one latin1 string (byte for byte the same), Node joins it to the head and sends
      // both with one plain write instead of a gather write of a string and a buffer.
      outgoing.end(bytes.toString('latin1'), 'latin1');
    } else {
      outgoing.end(bytes);
    }
    return alreadySent();
  }
  if (!writable) {
    return c.body(Readable.toWeb(body) as ReadableStream, 200, headers);
  }
  outgoing.writeHead(200, { ...c.get('standardHeaders'), ...headers });
  // An HTTP/1 response's write callback runs once the socket took the chunk, so a body that
  // reuses its buffers can write into it.
  const direct = isDirectBody(body) && outgoing instanceof ServerResponse;
  (direct ? body.sendTo(outgoing) : pipeline(body, outgoing)).catch(() => {
    // Both ends are destroyed: the client sees a cut connection, never a clean end.
    outgoing.destroy();
  });
  return alreadySent();
}

/**
 * Bodies up to this size are sent as a string with the head: Node writes a string of up to
 * 16 KiB from a stack buffer, and the head takes well under the rest.
 */
const ONE_STRING_BYTES = 8 * 1024;

/** Both header sets as one flat name, value list, which writeHead takes as it is. */
function headerList(first: Record<string, string>, second: Record<string, string>): string[] {
  const list: string[] = [];
  for (const k in first) list.push(k, first[k] as string);
  for (const k in second) list.push(k, second[k] as string);
  return list;
}

/**
 * The answer of a handler that wrote the response itself: the adapter sends nothing more. One
 * instance serves every request (building one cost ~5 µs, a fair part of a small GET's edge
 * work): the adapter and the middleware only read it, as the answer went out with its headers
 * (security.ts returns early once the head is sent).
 */
const ALREADY_SENT_RESPONSE = new PlatformResponse(null, {
  status: 200,
  headers: { [ALREADY_SENT]: 'true' },
});

function alreadySent(): Response {
  return ALREADY_SENT_RESPONSE;
}

/** The bytes of a body that read them when opened (WholeBody), if it is one, not yet read. */
function wholeBytes(body: Readable, size: number): Buffer | undefined {
  const bytes = wholeBytesOf(body);
  if (!bytes) return undefined;
  body.destroy();
  return exactly(bytes, size);
}

/** `bytes`, which must be the `size` bytes the headers announce: anything else is an error. */
function exactly(bytes: Buffer, size: number): Buffer {
  if (bytes.length !== size) {
    throw new InternalError(`the body had ${bytes.length} bytes, not the ${size} announced`);
  }
  return bytes;
}

// A streaming HTTP client for one large transfer, run by the bench in its own process so the
// bench's RSS sampler is never delayed by it. Prints one JSON line:
// {status, bytes, seconds, sha256?, body?}. The same client times the CallFS nodes and the
// plain node:http baseline server.
//   node --import tsx scripts/bench-lib/transfer.ts put URL BYTES KEY   upload BYTES of bench data
//   node --import tsx scripts/bench-lib/transfer.ts get URL KEY         download, SHA-256 inline
//   node --import tsx scripts/bench-lib/transfer.ts hash BYTES          no network: the client's
//                                               own cost of making and hashing BYTES of data
import { createHash } from 'node:crypto';
import http from 'node:http';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { blocks } from './data.js';

const TIMEOUT_MS = 300_000; // a stuck server fails the bench instead of hanging it

interface Result {
  status: number;
  bytes: number;
  seconds: number;
  sha256?: string;
  body?: string;
}

async function put(url: string, bytes: number, key: string): Promise<Result> {
  const started = performance.now();
  const req = http.request(url, {
    method: 'PUT',
    agent: false,
    signal: AbortSignal.timeout(TIMEOUT_MS),
    headers: {
      authorization: `Bearer ${key}`,
      'content-type': 'application/octet-stream',
      'content-length': String(bytes),
    },
  });
  const response = new Promise<http.IncomingMessage>((resolve, reject) => {
    req.once('response', resolve);
    req.once('error', reject);
  });
  // The server may answer early (an error) and close: the upload then fails, the status tells.
  const upload = pipeline(Readable.from(blocks(bytes)), req).catch(() => undefined);
  const res = await response;
  let body = '';
  res.setEncoding('utf8');
  for await (const chunk of res) body += chunk;
  await upload;
  return {
    status: res.statusCode ?? 0,
    bytes,
    seconds: (performance.now() - started) / 1000,
    body,
  };
}

async function get(url: string, key: string): Promise<Result> {
  const started = performance.now();
  const res = await new Promise<http.IncomingMessage>((resolve, reject) => {
    const req = http.get(url, {
      agent: false,
      signal: AbortSignal.timeout(TIMEOUT_MS),
      headers: { authorization: `Bearer ${key}` },
    });
    req.once('response', resolve);
    req.once('error', reject);
  });
  const hash = createHash('sha256');
  let bytes = 0;
  for await (const chunk of res as AsyncIterable<Buffer>) {
    hash.update(chunk);
    bytes += chunk.length;
  }
  return {
    status: res.statusCode ?? 0,
    bytes,
    seconds: (performance.now() - started) / 1000,
    sha256: hash.digest('hex'),
  };
}

function hashOnly(bytes: number): Result {
  const started = performance.now();
  const hash = createHash('sha256');
  for (const b of blocks(bytes)) hash.update(b);
  const sha256 = hash.digest('hex');
  return { status: 0, bytes, seconds: (performance.now() - started) / 1000, sha256 };
}

async function main(argv: string[]): Promise<void> {
  const [cmd, url, a, b] = argv;
  let result: Result;
  if (cmd === 'put' && url && a && b) result = await put(url, Number(a), b);
  else if (cmd === 'get' && url && a) result = await get(url, a);
  else if (cmd === 'hash' && url) result = hashOnly(Number(url));
  else throw new Error('usage: transfer.ts put URL BYTES KEY | get URL KEY | hash BYTES');
  process.stdout.write(JSON.stringify(result) + '\n');
}

main(process.argv.slice(2)).catch((err: unknown) => {
  process.stderr.write(`transfer: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});

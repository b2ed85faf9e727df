// Creates COUNT small files with POST, CONCURRENCY requests in flight over keep-alive
// connections, spread round-robin over the given node URLs. Prints one JSON line:
// {count, seconds, statuses: {"201": n, ...}}. Bounded: COUNT requests, each with a timeout.
//   node --import tsx scripts/bench-lib/creates.ts URLS DIR COUNT CONCURRENCY BYTES KEY
//   (URLS: comma-separated node base URLs, one per worker in turn; DIR: an existing CallFS
//   directory, e.g. /bench/small)
import http from 'node:http';
import { blocks } from './data.js';

const REQUEST_TIMEOUT_MS = 30_000;

function post(agent: http.Agent, url: string, body: Buffer, key: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, {
      method: 'POST',
      agent,
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      headers: {
        authorization: `Bearer ${key}`,
        'content-type': 'application/octet-stream',
        'content-length': String(body.length),
      },
    });
    req.once('error', reject);
    req.once('response', (res) => {
      res.resume();
      res.once('end', () => resolve(res.statusCode ?? 0));
      res.once('error', reject);
    });
    req.end(body);
  });
}

async function main(argv: string[]): Promise<void> {
  const [urlList, dir, countArg, concurrencyArg, bytesArg, key] = argv;
  if (!urlList || !dir || !countArg || !concurrencyArg || !bytesArg || !key) {
    throw new Error('usage: creates.ts URLS DIR COUNT CONCURRENCY BYTES KEY');
  }
  const urls = urlList.split(',');
  const count = Number(countArg);
  const concurrency = Number(concurrencyArg);
  const body = blocks(Number(bytesArg)).next().value as Buffer;
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  const statuses: Record<string, number> = {};
  let next = 0;
  const started = performance.now();
  // Each worker keeps to one node: its keep-alive socket is then reused at once, never left
  // idle long enough for the server's keep-alive timeout to race a new request on it.
  const worker = async (_: unknown, w: number): Promise<void> => {
    const base = urls[w % urls.length];
    for (let i = next++; i < count; i = next++) {
      const name = `f-${String(i).padStart(5, '0')}.bin`;
      const url = `${base}/v1/files${dir}/${name}`;
      const status = await post(agent, url, body, key);
      statuses[status] = (statuses[status] ?? 0) + 1;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const seconds = (performance.now() - started) / 1000;
  agent.destroy();
  process.stdout.write(JSON.stringify({ count, seconds, statuses }) + '\n');
}

main(process.argv.slice(2)).catch((err: unknown) => {
  process.stderr.write(`creates: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});

// A small load generator on node:http for what autocannon 9 cannot measure: HEAD answers that
// carry a Content-Length (autocannon's parser then waits for a body that never comes). COUNT
// requests over CONCURRENCY keep-alive connections; each request has a timeout. Prints one
// JSON line: {count, seconds, statuses, p50, p99} (latencies in ms).
//   node --import tsx scripts/bench-lib/load.ts METHOD URL COUNT CONCURRENCY KEY
import http from 'node:http';

const REQUEST_TIMEOUT_MS = 10_000;

function once(agent: http.Agent, method: string, url: string, key: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, {
      method,
      agent,
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      headers: { authorization: `Bearer ${key}` },
    });
    req.once('error', reject);
    req.once('response', (res) => {
      res.resume();
      res.once('end', () => resolve(res.statusCode ?? 0));
      res.once('error', reject);
    });
    req.end();
  });
}

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

async function main(argv: string[]): Promise<void> {
  const [method, url, countArg, concurrencyArg, key] = argv;
  if (!method || !url || !countArg || !concurrencyArg || !key) {
    throw new Error('usage: load.ts METHOD URL COUNT CONCURRENCY KEY');
  }
  const count = Number(countArg);
  const concurrency = Number(concurrencyArg);
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  const latencies = new Float64Array(count);
  const statuses: Record<string, number> = {};
  let next = 0;
  const started = performance.now();
  const worker = async (): Promise<void> => {
    for (let i = next++; i < count; i = next++) {
      const t = performance.now();
      const status = await once(agent, method, url, key);
      latencies[i] = performance.now() - t;
      statuses[status] = (statuses[status] ?? 0) + 1;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const seconds = (performance.now() - started) / 1000;
  agent.destroy();
  latencies.sort();
  const p50 = percentile(latencies, 50);
  const p99 = percentile(latencies, 99);
  process.stdout.write(JSON.stringify({ count, seconds, statuses, p50, p99 }) + '\n');
}

main(process.argv.slice(2)).catch((err: unknown) => {
  process.stderr.write(`load: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});

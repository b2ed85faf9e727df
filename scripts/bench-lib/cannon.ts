// autocannon over one or more URLs in one process: CONNECTIONS split evenly over the URLs, each
// instance ending after its share of COUNT requests (ending by count, not duration, leaves no
// request in flight when it stops). Prints one JSON line {count, seconds, statuses, errors,
// p50, p99}. For creates, `[<id>]` in a URL becomes a fresh id per request.
// `seconds` runs from the start to the last answer. autocannon notices that a counted run is
// done only at its next sample tick (every `sampleInt` ms, 1 s by default), and its own
// duration includes that wait: up to a second more on a 10 s run, which lowered every rate by
// up to 10 %, and the fastest ones (the baselines) most.
//   node --import tsx scripts/bench-lib/cannon.ts JSON
//   JSON: {urls, connections, count, method?, bodyBytes?, key}
import autocannon from 'autocannon';

interface Spec {
  urls: string[];
  connections: number;
  count: number;
  method?: string;
  bodyBytes?: number;
  key: string;
}

interface Result {
  duration: number;
  errors: number;
  timeouts: number;
  statusCodeStats: Record<string, { count: number }>;
  requests: { total: number };
  latency: { p50: number; p99: number };
}

async function main(arg: string | undefined): Promise<void> {
  if (!arg) throw new Error('usage: cannon.ts JSON');
  const spec = JSON.parse(arg) as Spec;
  const n = spec.urls.length;
  const body = spec.bodyBytes ? Buffer.alloc(spec.bodyBytes, 0x61) : undefined;
  const started = performance.now();
  let lastAnswer = started;
  const answered = (): void => {
    lastAnswer = performance.now();
  };
  const results = (await Promise.all(
    spec.urls.map((url, i) => {
      const connections = Math.floor(spec.connections / n) + (i < spec.connections % n ? 1 : 0);
      const amount = Math.max(connections, Math.round(spec.count / n));
      const run = autocannon({
        url,
        connections,
        amount,
        // Notices the end within 100 ms rather than a second (the time is taken from the
        // answers, not from this tick).
        sampleInt: 100,
        method: (spec.method ?? 'GET') as 'GET',
        body,
        idReplacement: url.includes('[<id>]'),
        headers: {
          authorization: `Bearer ${spec.key}`,
          ...(body ? { 'content-type': 'application/octet-stream' } : {}),
        },
      });
      run.on('response', answered);
      return run as unknown as Promise<Result>;
    }),
  )) as Result[];
  const seconds = (lastAnswer - started) / 1000;
  const statuses: Record<string, number> = {};
  let count = 0;
  let errors = 0;
  for (const r of results) {
    count += r.requests.total;
    errors += r.errors + r.timeouts;
    for (const [k, v] of Object.entries(r.statusCodeStats))
      statuses[k] = (statuses[k] ?? 0) + v.count;
  }
  const p50 = Math.max(...results.map((r) => r.latency.p50));
  const p99 = Math.max(...results.map((r) => r.latency.p99));
  process.stdout.write(JSON.stringify({ count, seconds, statuses, errors, p50, p99 }) + '\n');
}

main(process.argv[2]).catch((err: unknown) => {
  process.stderr.write(`cannon: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});

// The bare-etcd baseline of a create: COUNT create-if-absent transactions (compare the key's
// version is 0, put a ~200-byte value), CONCURRENCY in flight on one client. Prints one JSON
// line: {count, seconds, succeeded}. Keys go under a prefix of their own, deleted afterwards.
//   node --import tsx scripts/bench-lib/etcd-creates.ts ENDPOINT COUNT CONCURRENCY
import { randomUUID } from 'node:crypto';
import { CompareResult, CompareTarget, Etcd3 } from 'etcd3';

async function main(argv: string[]): Promise<void> {
  const [endpoint, countArg, concurrencyArg] = argv;
  if (!endpoint || !countArg || !concurrencyArg) {
    throw new Error('usage: etcd-creates.ts ENDPOINT COUNT CONCURRENCY');
  }
  const count = Number(countArg);
  const concurrency = Number(concurrencyArg);
  const client = new Etcd3({ hosts: endpoint });
  const prefix = `/bench-etcd-creates/${randomUUID()}/`;
  const value = Buffer.alloc(200, 'x');
  let next = 0;
  let succeeded = 0;
  const started = performance.now();
  const worker = async (): Promise<void> => {
    for (let i = next++; i < count; i = next++) {
      const key = Buffer.from(`${prefix}${i}`);
      const res = await client.kv.txn({
        compare: [{ key, target: CompareTarget.Version, result: CompareResult.Equal, version: 0 }],
        success: [{ request_put: { key, value } }],
        failure: [{ request_range: { key } }],
      });
      if (res.succeeded) succeeded++;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const seconds = (performance.now() - started) / 1000;
  await client.delete().prefix(prefix);
  client.close();
  process.stdout.write(JSON.stringify({ count, seconds, succeeded }) + '\n');
}

main(process.argv.slice(2)).catch((err: unknown) => {
  process.stderr.write(`etcd-creates: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});

// The bare etcd baseline of creates: COUNT create-if-absent transactions (compare create
// revision == 0, then put), CONCURRENCY in flight, with the etcd3 client the nodes use, values
// the size of an inode. Prints one JSON line {count, seconds, created}.
//   node --import tsx scripts/bench-lib/etcd-txn.ts ENDPOINT PREFIX COUNT CONCURRENCY
import { Etcd3 } from 'etcd3';

async function main(argv: string[]): Promise<void> {
  const [endpoint, prefix, countArg, concurrencyArg] = argv;
  if (!endpoint || !prefix || !countArg || !concurrencyArg) {
    throw new Error('usage: etcd-txn.ts ENDPOINT PREFIX COUNT CONCURRENCY');
  }
  const count = Number(countArg);
  const client = new Etcd3({ hosts: endpoint });
  const value = JSON.stringify({
    type: 'file',
    instance_id: 'node-1',
    backend_type: 'localfs',
    size: 4096,
    mode: 420,
    owner: 'api-user-0',
    mtime: Date.now(),
    gen: 1,
    state: 'ready',
  });
  let next = 0;
  let created = 0;
  const started = performance.now();
  const worker = async (): Promise<void> => {
    for (let i = next++; i < count; i = next++) {
      const key = `${prefix}${String(i).padStart(8, '0')}`;
      const r = await client.if(key, 'Create', '==', 0).then(client.put(key).value(value)).commit();
      if (r.succeeded) created++;
    }
  };
  await Promise.all(Array.from({ length: Number(concurrencyArg) }, worker));
  const seconds = (performance.now() - started) / 1000;
  client.close();
  process.stdout.write(JSON.stringify({ count, seconds, created }) + '\n');
}

main(process.argv.slice(2)).catch((err: unknown) => {
  process.stderr.write(`etcd-txn: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});

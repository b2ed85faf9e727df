// Reads etcd's own Prometheus metrics, so tests can see what the server holds (open watchers).

/** etcd's count of open watchers. */
export async function etcdWatchers(endpoint: string): Promise<number> {
  const text = await (await fetch(`${endpoint}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith('etcd_debugging_mvcc_watcher_total '));
  return Number(line?.split(' ')[1] ?? NaN);
}

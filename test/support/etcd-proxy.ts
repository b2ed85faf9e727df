// A TCP proxy in front of a real etcd for fault tests: it forwards both ways, and on request
// holds back every byte etcd sends to the client (requests still reach etcd and apply) until
// released, as a link that loses replies would. Stops exactly the sockets it opened.
import { createServer, connect, type Server, type Socket } from 'node:net';

export interface EtcdProxy {
  endpoint: string;
  /** From now on etcd's replies are held back (requests still pass). */
  holdReplies(): void;
  /** Delivers what was held and forwards normally again. */
  release(): void;
  close(): Promise<void>;
}

export async function startEtcdProxy(upstream: string): Promise<EtcdProxy> {
  const target = new URL(upstream);
  let holding = false;
  const held: Array<{ to: Socket; data: Buffer }> = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const up = connect(Number(target.port), target.hostname);
    for (const s of [client, up]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => {
        client.destroy();
        up.destroy();
      });
    }
    client.on('data', (d: Buffer) => up.write(d));
    up.on('data', (d: Buffer) => {
      if (holding) held.push({ to: client, data: d });
      else client.write(d);
    });
    client.on('end', () => up.end());
    up.on('end', () => client.end());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    holdReplies: () => {
      holding = true;
    },
    release: () => {
      holding = false;
      for (const { to, data } of held.splice(0)) if (!to.destroyed) to.write(data);
    },
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

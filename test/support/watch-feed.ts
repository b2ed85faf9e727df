// A change-feed client for tests: opens `GET /v1/watch{path}` on a node and reads its SSE
// events, each wait bounded in time so that a missing event fails the test instead of hanging.
import { readSse, type SseEvent } from '../../src/cli/client/sse.js';
import { API_KEY } from './node.js';

export interface Feed {
  /** The next `n` events (fewer only when the stream ends); throws after 10 s without them. */
  next(n: number): Promise<SseEvent[]>;
  close(): void;
}

export async function openFeed(
  base: string,
  path: string,
  headers: Record<string, string> = {},
): Promise<Feed> {
  const ac = new AbortController();
  const res = await fetch(`${base}/v1/watch${path}`, {
    headers: { authorization: `Bearer ${API_KEY}`, ...headers },
    signal: ac.signal,
  });
  if (res.status !== 200) throw new Error(`watch answered ${res.status}: ${await res.text()}`);
  const it = readSse(res.body as unknown as AsyncIterable<Uint8Array>)[Symbol.asyncIterator]();
  return {
    async next(n) {
      const out: SseEvent[] = [];
      const deadline = Date.now() + 10_000;
      while (out.length < n) {
        const timer = new Promise<never>((_, reject) =>
          setTimeout(
            () => reject(new Error(`only ${out.length} of ${n} events`)),
            Math.max(1, deadline - Date.now()),
          ).unref(),
        );
        const r = await Promise.race([it.next(), timer]);
        if (r.done) break;
        out.push(r.value);
      }
      return out;
    },
    close: () => ac.abort(),
  };
}

/** The JSON payload of an event. */
export const dataOf = (e: SseEvent): Record<string, unknown> =>
  JSON.parse(e.data) as Record<string, unknown>;

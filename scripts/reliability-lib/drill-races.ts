// Drill (d), races: 100 concurrent POSTs of one path over 3 nodes (exactly one 201); 50
// concurrent PUTs of distinct 1 MiB bodies to one file from all nodes (no 5xx, the final
// content is one of the bodies); then ~20 s of interleaved create/replace/delete/rename on a
// small set of paths from all nodes, after which etcd and the disks must agree.
import { randomBytes } from 'node:crypto';
import { type DevCluster, inodeOf, pathOfKey } from './cluster.js';
import { checkConsistency, consistencyLines } from './consistency.js';
import { filesUrl, outcome, send, sha256, type Reply } from './http.js';
import { sleep } from '../../devkit/proc.js';
import { Section, log, ms, percentile, table, tally } from './report.js';

const MiB = 1024 * 1024;
const MIX_SECONDS = Number(process.env.DRILLS_MIX_SECONDS ?? 20);
const MIX_WORKERS = 9;
const MIX_DIRS = ['/mix/a', '/mix/b'];
const MIX_NAMES = ['f0', 'f1', 'f2', 'f3', 'f4', 'f5'];

export async function drillRaces(c: DevCluster): Promise<Section> {
  const s = new Section(
    'd. Races (creates, replaces, and a create/delete/rename mix from all nodes)',
  );
  const key = c.apiKey;

  // 1. 100 POSTs of one path.
  log('drill d: 100 concurrent POSTs');
  const posts = await Promise.all(
    Array.from({ length: 100 }, (_, i) =>
      send({
        base: c.node(i % 3).url,
        method: 'POST',
        path: filesUrl('/races/hundred.txt'),
        key,
        body: `body ${i}`,
        timeoutMs: 60_000,
      }),
    ),
  );
  const winners = posts.map((r, i) => ({ r, i })).filter((x) => x.r.status === 201);
  const final = await send({
    base: c.node(1).url,
    method: 'GET',
    path: filesUrl('/races/hundred.txt'),
    key,
  });
  const winner = winners[0];
  const winnerOwner = winner ? c.node(winner.i % 3).id : '';
  const copies = c.nodes
    .filter((n) => c.diskFiles(n.index).has('/races/hundred.txt'))
    .map((n) => n.id);
  const postLat = posts.map((r) => r.ms);
  s.check(
    '100 concurrent POSTs of one path (3 nodes): exactly one 201',
    winners.length === 1 && posts.filter((r) => r.status === 409).length === 99,
    `${tally(posts.map(outcome))}; p50 ${ms(percentile(postLat, 50))}, max ${ms(Math.max(...postLat))}`,
  );
  s.check(
    '100 POSTs: the winner’s bytes, on the winner’s disk only',
    winner !== undefined &&
      final.sha256 === sha256(`body ${winner.i}`) &&
      copies.length === 1 &&
      copies[0] === winnerOwner,
    `GET gives ${winner && final.sha256 === sha256(`body ${winner.i}`) ? 'the 201 body' : `${outcome(final)}, not the 201 body`}; ` +
      `file on disk of: ${copies.join(', ') || 'none'} (winner was sent to ${winnerOwner || '—'})`,
  );

  // 2. 50 PUTs of distinct 1 MiB bodies.
  log('drill d: 50 concurrent PUTs of 1 MiB');
  await send({
    base: c.node(0).url,
    method: 'POST',
    path: filesUrl('/races/fifty.bin'),
    key,
    body: 'seed',
  });
  const bodies = Array.from({ length: 50 }, () => randomBytes(MiB));
  const hashes = bodies.map(sha256);
  const puts = await Promise.all(
    bodies.map((b, i) =>
      send({
        base: c.node(i % 3).url,
        method: 'PUT',
        path: filesUrl('/races/fifty.bin'),
        key,
        body: b,
        timeoutMs: 120_000,
      }),
    ),
  );
  const reads = await Promise.all(
    c.nodes.map((n) =>
      send({
        base: n.url,
        method: 'GET',
        path: filesUrl('/races/fifty.bin'),
        key,
        timeoutMs: 60_000,
      }),
    ),
  );
  const finalIdx = hashes.indexOf(reads[0]?.sha256 ?? '');
  const putLat = puts.map((r) => r.ms);
  s.check(
    '50 concurrent PUTs of one file (distinct 1 MiB bodies, 3 nodes): no 5xx',
    puts.every((r) => r.status > 0 && r.status < 500),
    `${tally(puts.map(outcome))}; p50 ${ms(percentile(putLat, 50))}, max ${ms(Math.max(...putLat))}`,
  );
  s.check(
    '50 PUTs: final content equals one body byte for byte (SHA-256), same from every node',
    finalIdx >= 0 && reads.every((r) => r.sha256 === hashes[finalIdx]),
    finalIdx >= 0
      ? `body #${finalIdx} (sent via ${c.node(finalIdx % 3).id}, answered ${outcome(puts[finalIdx] as Reply)}); ${reads.map((r, i) => `${c.node(i).id} ${r.sha256 === hashes[finalIdx] ? 'same' : outcome(r)}`).join(', ')}`
      : `matches no body: ${reads.map((r) => `${outcome(r)} ${r.bytes} B`).join(', ')}`,
  );

  // 3. Interleaved create/replace/delete/rename.
  log(`drill d: ${MIX_SECONDS} s of interleaved create/delete/rename from ${MIX_WORKERS} clients`);
  const ops: Array<{ op: string; reply: Reply }> = [];
  const stopAt = Date.now() + MIX_SECONDS * 1000;
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(Math.random() * xs.length)] as T;
  await Promise.all(
    Array.from({ length: MIX_WORKERS }, async (_, w) => {
      const node = c.node(w % 3);
      for (let i = 0; Date.now() < stopAt && i < 100_000; i++) {
        const dir = pick(MIX_DIRS);
        const path = `${dir}/${pick(MIX_NAMES)}`;
        const roll = Math.random();
        let op: string;
        let reply: Reply;
        if (roll < 0.3) {
          op = 'POST';
          reply = await send({
            base: node.url,
            method: 'POST',
            path: filesUrl(path),
            key,
            body: randomBytes(Math.floor(Math.random() * 64 * 1024)),
          });
        } else if (roll < 0.45) {
          op = 'PUT';
          reply = await send({
            base: node.url,
            method: 'PUT',
            path: filesUrl(path),
            key,
            body: randomBytes(Math.floor(Math.random() * 64 * 1024)),
          });
        } else if (roll < 0.7) {
          op = 'DELETE';
          reply = await send({ base: node.url, method: 'DELETE', path: filesUrl(path), key });
        } else {
          op = 'PATCH rename';
          reply = await send({
            base: node.url,
            method: 'PATCH',
            path: filesUrl(path),
            key,
            body: JSON.stringify({ name: pick(MIX_NAMES) }),
            headers: { 'content-type': 'application/json' },
          });
        }
        ops.push({ op, reply });
      }
    }),
  );
  await sleep(1000);
  const byOp = ['POST', 'PUT', 'DELETE', 'PATCH rename'].map((op) => {
    const rs = ops.filter((o) => o.op === op).map((o) => o.reply);
    return [op, rs.length, tally(rs.map(outcome))];
  });
  const bad = ops.filter(
    (o) => (o.reply.status >= 500 && o.reply.status !== 503) || o.reply.status === 0,
  );
  const busy = ops.filter((o) => o.reply.status === 503);
  s.line(
    `The mix ran ${ops.length} operations in ${MIX_SECONDS} s on ${MIX_DIRS.length * MIX_NAMES.length} paths ` +
      `(${MIX_WORKERS} clients, 3 per node; bodies 0–64 KiB; renames in place with {"name": …}):`,
    '',
    ...table(['operation', 'count', 'answers'], byOp),
    '',
  );
  s.check(
    'mix: no 500 and no broken connection',
    bad.length === 0,
    bad.length === 0
      ? `0 of ${ops.length}`
      : `${bad.length} of ${ops.length}: ${tally(bad.map((o) => `${o.op} → ${outcome(o.reply)}`))}`,
  );
  s.line(
    `503 answers in the mix (retryable, reported, not judged): ${busy.length ? tally(busy.map((o) => `${o.op} → ${outcome(o.reply)}`)) : 'none'}.`,
    '',
  );
  const cons = await checkConsistency(c);
  s.check(
    'mix: etcd and the disks agree afterwards',
    cons.ok,
    cons.error ??
      `${cons.readyFiles} ready file inodes, ${cons.diskFiles} files on disks; ${cons.writing.length} not ready, ${cons.missingOnDisk.length} missing on disk, ${cons.sizeMismatch.length} size mismatches, ${cons.orphansOnDisk.length} orphans, ${cons.tempFiles.length} temps`,
  );
  // Every file is readable with its inode's size from every node.
  const listing = (await c.etcdGet('fs/mix/')) ?? [];
  let readable = 0;
  const unreadable: string[] = [];
  for (const kv of listing) {
    const v = inodeOf(kv);
    if (v?.type !== 'file' || v.state !== 'ready') continue;
    const path = pathOfKey(kv.key);
    if (!path) continue;
    for (const n of c.nodes) {
      const r = await send({ base: n.url, method: 'GET', path: filesUrl(path), key });
      if (r.status === 200 && r.bytes === v.size) readable += 1;
      else unreadable.push(`${path} via ${n.id}: ${outcome(r)} ${r.bytes} B`);
    }
  }
  s.check(
    'mix: every file readable from every node with its size',
    unreadable.length === 0,
    `${readable} reads OK${unreadable.length ? `; failed: ${unreadable.join('; ')}` : ''}`,
  );
  if (!cons.ok) s.line(...consistencyLines(cons), '');
  return s;
}

// The idle-memory baseline: a Node process that only imports the packages named on its command
// line, then idles, so the bench can read its VmRSS beside an idle node's. Plain JavaScript and
// run without tsx, because tsx's loader would add its own memory; V8's incremental marking is
// off as in src/main.ts, so the heap is managed as a node's is, and it runs the two collections
// a node that has served nothing runs (src/cli/idle-gc.ts): one a second after its imports, the
// next six seconds later. Prints {"loaded":[...]} once every import is done; exits on SIGTERM
// or when its stdin closes (the bench died), so it never outlives the bench.
//   node scripts/bench-lib/stack-rss.mjs [PACKAGE...]
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

setFlagsFromString('--no-incremental-marking');
const loaded = [];
for (const name of process.argv.slice(2)) {
  await import(name);
  loaded.push(name);
}
process.stdout.write(JSON.stringify({ loaded }) + '\n');
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc');
setFlagsFromString('--no-expose-gc');
setTimeout(() => {
  gc();
  setTimeout(gc, 6000).unref();
}, 1000).unref();
const stop = () => process.exit(0);
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
process.stdin.on('end', stop);
process.stdin.resume();

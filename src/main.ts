// Process entry point: runs the `callfs` command line.
//
// V8's incremental marking is turned off for the process. A node with some transfer history
// sits at a ~26 MB live heap with an old-generation limit only ~10 MB above it, and V8 then
// starts the next incremental marking as soon as the last one finished: 15-19 major GCs per
// 256 MiB S3 GET, 2.5-3x the CPU of the same GET without them (CPU ticks from /proc, paired
// A/B rounds; BENCHMARKS.md). Without incremental marking a major GC runs once the limit is
// actually reached, as one pause of a few dozen milliseconds on such a heap: 0-1 per GET.
// It also turns off V8's memory reducer (the idle collections that give memory back after
// traffic); `callfs server` runs its own instead (src/cli/idle-gc.ts).
import { setFlagsFromString } from 'node:v8';
import { runCli } from './cli/index.js';

setFlagsFromString('--no-incremental-marking');
process.exitCode = await runCli(process.argv.slice(2));

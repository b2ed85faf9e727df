// Gives memory back when a node goes quiet: once the event loop has been idle for
// IDLE_GC_QUIET_CHECKS checks in a row and the process's resident memory has grown by
// IDLE_GC_GROWTH_BYTES since it last settled, a full garbage collection, and a second one a few
// seconds later. Resident memory rather than V8's own figures: after heavy traffic V8 may just
// have collected under load, so its committed heap and Buffers sit near where they settled while
// the process still holds what they used (a scale-bench node sat at 177 MB RSS a minute after
// its probes, never collecting, while the same node after the loaded namespace's probes went
// from 223 to 143 MB).
//
// Why: the node runs with V8's incremental marking off (src/main.ts), and V8's memory reducer,
// which does exactly this on its own (a few full collections once allocation goes quiet), runs
// only with incremental marking on. Without it a node keeps what a burst of requests committed:
// after scale-bench-like probes node-1 sat at 239 MB RSS with 28 MB of live heap in 139 MB of
// committed heap (old-space pages that V8's collections under load emptied but kept, garbage
// waiting for an old-generation limit up to 4x the live heap, a 32 MiB young generation) plus
// 37 MB of dead Buffers. The first collection frees the garbage and the Buffers (163-171 MB
// RSS a few seconds later); the second, run once V8's allocation rate over its 5 s window is
// low, also shrinks the young generation and compacts the sparse pages (132-135 MB). A node that
// has served nothing yet collects at its first quiet second (IDLE_GC_QUIET_CHECKS_AT_START). Neither runs while the node is
// busy, but the next burst pays for them once (below). Each is one pause of the main thread as long as a major collection of the
// live heap: 74-490 ms measured (--trace-gc) on this machine with its two cores shared by other
// work, 10-25 ms for a heap of that size in a process alone on it; a request that arrives
// meanwhile waits that long, as it does behind the collections V8 itself runs under load.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { performance } from 'node:perf_hooks';

/**
 * Quiet one-second checks in a row before the first collection. The collections cost the next
 * burst of traffic: they throw away optimized code whose embedded objects died, which V8 then
 * compiles again, and shrink the young generation, which grows back. Run in gaps of a few to
 * ~15 seconds between bursts of relayed 1 KiB GETs, they cost the relaying node ~140 CPU
 * ticks per 1,000 GETs instead of 86-93 (3 rounds of 6,000, with and without). After a quiet
 * minute the node pays that once, when traffic comes back.
 */
export const IDLE_GC_QUIET_CHECKS = 60;
/**
 * Quiet checks before the first collection of a node that has served no traffic since it
 * started: it gives back start-up's garbage (loading modules, protos, the first etcd reads)
 * within seconds instead of a minute. Nothing has been optimized for traffic yet, so it costs
 * no recompiling later. The memory comes back with the second collection, ~8 s after start
 * (the first alone does not shrink the young generation): RSS 10 s after start, one node
 * against a quiet etcd, 83-91 MB (10 starts) instead of 102-110.
 */
export const IDLE_GC_QUIET_CHECKS_AT_START = 1;
/** Event-loop utilization below which a one-second check counts as idle. */
export const IDLE_GC_UTILIZATION = 0.05;
/** Growth of resident memory since it last settled that makes collecting worth a pause. */
export const IDLE_GC_GROWTH_BYTES = 16 * 1024 * 1024;
/**
 * Idle checks between the two collections. V8 shrinks the young generation after a collection
 * only when its allocation rate over the last 5 s is low, so the second one waits longer than
 * that; the first runs at once, so most of the memory comes back within a second or two.
 */
export const IDLE_GC_SECOND_AFTER_CHECKS = 6;
const CHECK_MS = 1000;

/**
 * The decision, one call per check: `utilization` is the event loop's over the last check,
 * `footprint` the process's resident memory now. True means: collect now.
 */
export class IdleGcPolicy {
  /** The footprint a check after the last collection (0 at start: start-up's garbage counts). */
  private baseline = 0;
  private settleNext = false;
  private secondPending = false;
  private quietChecks = 0;
  /** A busy check has been seen (the checks start once the node serves: that is traffic). */
  private served = false;

  constructor(
    private readonly growthBytes = IDLE_GC_GROWTH_BYTES,
    private readonly idleUtilization = IDLE_GC_UTILIZATION,
    private readonly secondAfterChecks = IDLE_GC_SECOND_AFTER_CHECKS,
    private readonly quietBeforeFirst = IDLE_GC_QUIET_CHECKS,
    private readonly quietAtStart = IDLE_GC_QUIET_CHECKS_AT_START,
  ) {}

  check(utilization: number, footprint: number): boolean {
    if (this.settleNext) {
      // A check after a collection, once V8 has unmapped what it freed and the Buffers are
      // released: memory that stays (live, or freed only by the second collection) is not
      // growth, so neither it nor short pauses between bursts of traffic trigger another.
      this.baseline = footprint;
      this.settleNext = false;
      return false;
    }
    if (utilization >= this.idleUtilization) {
      this.served = true;
      this.quietChecks = 0;
      if (this.secondPending) {
        // Traffic between the two collections: the first alone gives little back (the second
        // shrinks the young generation and releases the emptied pages), so the memory counts
        // as unsettled and the next quiet period runs both again.
        this.secondPending = false;
        this.baseline = 0;
      }
      return false;
    }
    this.quietChecks++;
    if (
      this.quietChecks >= (this.served ? this.quietBeforeFirst : this.quietAtStart) &&
      footprint - this.baseline >= this.growthBytes
    ) {
      this.settleNext = true;
      this.secondPending = true;
      this.quietChecks = 0;
      return true;
    }
    if (this.secondPending && this.quietChecks >= this.secondAfterChecks) {
      this.settleNext = true;
      this.secondPending = false;
      return true;
    }
    return false;
  }
}

/** V8's full collection, from a context made while --expose-gc was briefly on (not a global). */
export function fullGc(): () => void {
  setFlagsFromString('--expose-gc');
  try {
    return runInNewContext('gc') as () => void;
  } finally {
    setFlagsFromString('--no-expose-gc');
  }
}

/** Starts the checks (a timer that never keeps the process alive); returns a stop function. */
export function startIdleGc(): () => void {
  const gc = fullGc();
  const policy = new IdleGcPolicy();
  let last = performance.eventLoopUtilization();
  const timer = setInterval(() => {
    const utilization = performance.eventLoopUtilization(last).utilization;
    if (policy.check(utilization, process.memoryUsage.rss())) gc();
    // After the collection, so that its own pause never reads as traffic at the next check.
    last = performance.eventLoopUtilization();
  }, CHECK_MS);
  timer.unref();
  return () => clearInterval(timer);
}

// The part of autocannon's programmatic API the bench uses (the package ships no types): a run
// is an EventEmitter (`response` once per answer) that is also a promise of its result.
declare module 'autocannon' {
  import type { EventEmitter } from 'node:events';
  function autocannon(options: Record<string, unknown>): EventEmitter & PromiseLike<unknown>;
  export default autocannon;
}

// The soak's model of what each path may contain. The client serializes its own operations per
// path, so an acknowledged write (2xx) makes the content certain; a write answered 5xx, cut, or
// timed out may or may not have happened, so both outcomes stay possible until a later read
// observes one. A refused connection never reached a node and changes nothing. An observation
// outside the possible set is an anomaly: "lost" (an acknowledged write or file missing, or an
// older version back), "resurrected" (an acknowledged delete or rename undone) or "corrupted"
// (bytes that no write of this path ever sent).

/** The version of an absent path; other versions are SHA-256 hex digests of the content. */
export const ABSENT = 'absent';

export type AnomalyKind = 'lost' | 'resurrected' | 'corrupted' | 'unexpected';

export interface Anomaly {
  kind: AnomalyKind;
  path: string;
  detail: string;
  atMs: number;
}

class PathState {
  possible = new Set<string>([ABSENT]);
  /** Every version ever sent to or moved into this path (to tell stale from corrupted). */
  history = new Set<string>([ABSENT]);
}

export class SoakModel {
  private readonly paths = new Map<string, PathState>();
  private readonly locks = new Map<string, Promise<void>>();
  readonly anomalies: Anomaly[] = [];
  private readonly t0 = Date.now();

  constructor(all: string[]) {
    for (const p of all) this.paths.set(p, new PathState());
  }

  all(): string[] {
    return [...this.paths.keys()];
  }

  private st(path: string): PathState {
    const s = this.paths.get(path);
    if (!s) throw new Error(`path ${path} is not in the model`);
    return s;
  }

  possible(path: string): Set<string> {
    return new Set(this.st(path).possible);
  }

  isCertainAbsent(path: string): boolean {
    const p = this.st(path).possible;
    return p.size === 1 && p.has(ABSENT);
  }

  /** Runs `fn` holding the client-side locks of the given paths (sorted: no deadlock). */
  async locked<T>(paths: string[], fn: () => Promise<T>): Promise<T> {
    const sorted = [...new Set(paths)].sort();
    const releases: Array<() => void> = [];
    for (const p of sorted) {
      const prev = this.locks.get(p) ?? Promise.resolve();
      let release!: () => void;
      const mine = new Promise<void>((r) => (release = r));
      const tail = prev.then(() => mine);
      this.locks.set(p, tail);
      await prev;
      releases.push(() => {
        release();
        if (this.locks.get(p) === tail) this.locks.delete(p);
      });
    }
    try {
      return await fn();
    } finally {
      for (const r of releases) r();
    }
  }

  note(kind: AnomalyKind, path: string, detail: string): void {
    this.anomalies.push({ kind, path, detail, atMs: Date.now() - this.t0 });
  }

  /** A write of `version` was acknowledged; `created` tells whether the node said it created it. */
  acked(path: string, version: string, created: boolean | null, what: string): void {
    const s = this.st(path);
    if (created === true && !s.possible.has(ABSENT)) {
      this.note('lost', path, `${what} answered "created" although an acknowledged file was there`);
    }
    if (created === false && s.possible.size === 1 && s.possible.has(ABSENT)) {
      this.note('resurrected', path, `${what} replaced a file that should not exist`);
    }
    s.possible = new Set([version]);
    s.history.add(version);
  }

  /** A write may or may not have happened. */
  maybe(path: string, version: string): void {
    const s = this.st(path);
    s.possible.add(version);
    s.history.add(version);
  }

  /** A rename was acknowledged: `to` holds what `from` held; `from` is absent. */
  movedAcked(from: string, to: string): void {
    const a = this.st(from);
    const b = this.st(to);
    const moved = [...a.possible].filter((v) => v !== ABSENT);
    if (moved.length === 0)
      this.note('resurrected', from, `renamed to ${to} although it should not exist`);
    if (!b.possible.has(ABSENT))
      this.note('lost', to, `rename from ${from} succeeded onto an acknowledged file`);
    // Nothing known to move: anything this path ever held is accepted at `to`.
    const incoming = moved.length ? moved : [...a.history].filter((v) => v !== ABSENT);
    if (incoming.length > 0) b.possible = new Set(incoming);
    for (const v of incoming) b.history.add(v);
    a.possible = new Set([ABSENT]);
  }

  /** A rename may or may not have happened. */
  movedMaybe(from: string, to: string): void {
    const a = this.st(from);
    const b = this.st(to);
    for (const v of a.possible) {
      if (v === ABSENT) continue;
      b.possible.add(v);
      b.history.add(v);
    }
    a.possible.add(ABSENT);
  }

  /** A read saw `version`; returns the anomaly kind, or null when it was possible. */
  observe(path: string, version: string, how: string): AnomalyKind | null {
    const s = this.st(path);
    if (s.possible.has(version)) {
      s.possible = new Set([version]);
      return null;
    }
    const expected = [...s.possible]
      .map((v) => (v === ABSENT ? 'absent' : v.slice(0, 12)))
      .join(' or ');
    const seen = version === ABSENT ? 'absent' : version.slice(0, 12);
    let kind: AnomalyKind;
    if (version === ABSENT) kind = 'lost';
    else if (s.possible.size === 1 && s.possible.has(ABSENT))
      kind = s.history.has(version) ? 'resurrected' : 'corrupted';
    else kind = s.history.has(version) ? 'lost' : 'corrupted';
    this.note(kind, path, `${how}: saw ${seen}, expected ${expected}`);
    s.possible = new Set([version]);
    s.history.add(version);
    return kind;
  }

  /** How many paths are certain, and how many still have several possible versions. */
  certainty(): { certain: number; uncertain: number } {
    let certain = 0;
    for (const s of this.paths.values()) if (s.possible.size === 1) certain += 1;
    return { certain, uncertain: this.paths.size - certain };
  }
}

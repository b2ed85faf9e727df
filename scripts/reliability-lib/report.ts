// Figures and Markdown for the drills and the soak: percentiles, millisecond formatting, a
// small table builder, and one section per drill whose checks each say PASS or FAIL.
export function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank] as number;
}

export function ms(v: number): string {
  if (!Number.isFinite(v)) return '—';
  return v >= 10_000 ? `${(v / 1000).toFixed(1)} s` : `${Math.round(v)} ms`;
}

export function table(head: string[], rows: Array<Array<string | number>>): string[] {
  const esc = (c: string | number): string => String(c).replace(/\|/g, '\\|');
  return [
    `| ${head.map(esc).join(' | ')} |`,
    `| ${head.map(() => '---').join(' | ')} |`,
    ...rows.map((r) => `| ${r.map(esc).join(' | ')} |`),
  ];
}

/** Counts of each distinct string, as `a ×3, b ×1`, most frequent first. */
export function tally(values: string[]): string {
  const counts = new Map<string, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  return [...counts.entries()]
    .sort((a, b) => b[1] - a[1])
    .map(([v, n]) => `${v} ×${n}`)
    .join(', ');
}

export interface Check {
  name: string;
  pass: boolean;
  detail: string;
}

export class Section {
  readonly checks: Check[] = [];
  readonly lines: string[] = [];

  constructor(readonly title: string) {}

  line(...text: string[]): void {
    this.lines.push(...text);
  }

  check(name: string, pass: boolean, detail: string): boolean {
    this.checks.push({ name, pass, detail });
    process.stderr.write(`  [${pass ? 'PASS' : 'FAIL'}] ${name}: ${detail}\n`);
    return pass;
  }

  get pass(): boolean {
    return this.checks.length > 0 && this.checks.every((c) => c.pass);
  }

  markdown(): string {
    const out = [`## ${this.title} — ${this.pass ? 'PASS' : 'FAIL'}`, ''];
    if (this.lines.length > 0) out.push(...this.lines, '');
    out.push(
      ...table(
        ['check', 'result', 'measured'],
        this.checks.map((c) => [c.name, c.pass ? 'PASS' : '**FAIL**', c.detail]),
      ),
      '',
    );
    return out.join('\n');
  }
}

export function log(msg: string): void {
  process.stderr.write(`${new Date().toISOString().slice(11, 23)} ${msg}\n`);
}

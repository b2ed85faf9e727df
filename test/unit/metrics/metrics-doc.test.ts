// The metrics table of docs/operations.md is what a node registers: every metric with its label
// names, nothing more and nothing less, so what users scrape is what they read. Upstream
// CallFS's names are among them, and the `operation` values of callfs_file_operations_total
// that the docs promise are upstream CallFS's (instrumented-ports.test.ts counts each one).
import { readFileSync } from 'node:fs';
import { expect } from 'chai';
import { Metrics } from '../../../src/metrics/metrics.js';

const DOC = readFileSync(new URL('../../../docs/operations.md', import.meta.url), 'utf8');
const METRICS_SECTION = DOC.slice(DOC.indexOf('## Metrics'));

/** The first column of the table that starts at a header cell named `first`. */
function column(first: string, cell = 1): string[] {
  const lines = METRICS_SECTION.split('\n');
  const start = lines.findIndex((l) => new RegExp(`^\\| ${first} +\\|`).test(l));
  if (start < 0) throw new Error(`docs/operations.md has no table starting with ${first}`);
  const out: string[] = [];
  for (const line of lines.slice(start + 2)) {
    if (!line.startsWith('|')) break;
    out.push(line.split('|')[cell]!.trim().replace(/`/g, ''));
  }
  return out;
}

function registered(): string[] {
  const metrics = new Metrics();
  metrics.pendingCommits(() => 0);
  metrics.leftBehindJournal(() => []);
  metrics.waitingMoves(() => 0);
  return metrics.registry
    .getMetricsAsArray()
    .map((m) => {
      const { name, labelNames } = m as unknown as { name: string; labelNames: string[] };
      return labelNames.length ? `${name}{${labelNames.join(',')}}` : name;
    })
    .sort();
}

describe('the metrics of docs/operations.md', () => {
  it('should list exactly the metrics a node registers, with their labels, when compared', () => {
    const documented = column('Metric').filter((m) => m.startsWith('callfs_'));
    expect(documented.sort()).to.deep.equal(registered());
  });

  it("should name upstream CallFS's metrics among them when its list is read", () => {
    const paragraph = /The metric names are upstream CallFS's \(([^)]*)\)/.exec(METRICS_SECTION);
    const upstream = [...paragraph![1]!.matchAll(/`(callfs_\w+)`/g)].map((m) => m[1]!);
    const names = registered().map((m) => m.replace(/\{.*/, ''));
    expect(upstream).to.have.length(5);
    expect(upstream.filter((n) => !names.includes(n))).to.deep.equal([]);
  });

  it("should promise upstream CallFS's operation values when the operation table is read", () => {
    const values = [...new Set(column('Request', 2))].sort();
    expect(values).to.deep.equal(['create', 'delete', 'list', 'move', 'read', 'update']);
  });
});

// The gRPC error table of docs/api.md and the code's mapping cannot drift: every row's gRPC status
// and HTTP status are what src/peer/status-map.ts and src/edge/error-map.ts answer, every code
// they know has a row, and the retry hint appears exactly where the code sends it.
import { readFileSync } from 'node:fs';
import * as grpc from '@grpc/grpc-js';
import { expect } from 'chai';
import { HTTP_STATUS } from '../../../src/edge/error-map.js';
import { GRPC_STATUS, retryAfterFor } from '../../../src/peer/status-map.js';
import { withCallfsTrailers } from '../../../src/peer/status-trailer.js';

interface Row {
  code: string;
  grpc: string;
  http: number;
  trailers: string;
}

function readmeRows(): Row[] {
  const text = readFileSync(new URL('../../../docs/api.md', import.meta.url), 'utf8');
  const lines = text.split('\n');
  const start = lines.findIndex((l) => /^\| Code +\| gRPC status +\| HTTP +\|/.test(l));
  if (start < 0) throw new Error('docs/api.md has no gRPC error table');
  const rows: Row[] = [];
  for (const line of lines.slice(start + 2)) {
    if (!line.startsWith('|')) break;
    const cells = line.split('|').map((c) => c.trim());
    rows.push({
      code: cells[1]!.replace(/`/g, ''),
      grpc: cells[2]!.replace(/`/g, ''),
      http: Number(cells[3]),
      trailers: cells[4] ?? '',
    });
  }
  return rows;
}

const statusName = (s: grpc.status) => grpc.status[s];

describe('the gRPC error table of docs/api.md', () => {
  const rows = readmeRows();

  it('should list exactly the codes status-map.ts knows when compared', () => {
    expect(rows.map((r) => r.code).sort()).to.deep.equal(Object.keys(GRPC_STATUS).sort());
  });

  it("should give each code status-map.ts's gRPC status when compared", () => {
    const documented = Object.fromEntries(rows.map((r) => [r.code, r.grpc]));
    const actual = Object.fromEntries(
      Object.entries(GRPC_STATUS).map(([code, s]) => [code, statusName(s)]),
    );
    expect(documented).to.deep.equal(actual);
  });

  it("should give each code error-map.ts's HTTP status when compared", () => {
    const documented = Object.fromEntries(rows.map((r) => [r.code, r.http]));
    const actual = Object.fromEntries(rows.map((r) => [r.code, HTTP_STATUS[r.code]]));
    expect(documented).to.deep.equal(actual);
  });

  it('should name x-callfs-retry-after exactly for the codes that carry it', () => {
    const documented = rows.filter((r) => r.trailers.includes('x-callfs-retry-after'));
    expect(documented.map((r) => r.code).sort()).to.deep.equal(
      Object.keys(GRPC_STATUS)
        .filter((c) => retryAfterFor(c))
        .sort(),
    );
  });
});

/** The proto's comment list: `//   STATUS   CODE, CODE` lines, continued by indented lines. */
function protoRows(): Record<string, string> {
  const text = readFileSync(
    new URL('../../../proto/callfs/v1/files.proto', import.meta.url),
    'utf8',
  );
  const out: Record<string, string> = {};
  let status = '';
  for (const line of text.split('\n')) {
    const m = /^\/\/ {3}([A-Z_]+) +([A-Z_, ]+)$/.exec(line);
    const cont = /^\/\/ {20,}([A-Z_, ]+)$/.exec(line);
    if (m && m[1] in grpc.status) status = m[1];
    else if (!cont) status = '';
    const codes = m && m[1] in grpc.status ? m[2]! : cont && status ? cont[1]! : '';
    for (const code of codes
      .split(',')
      .map((c) => c.trim())
      .filter(Boolean))
      out[code] = status;
  }
  return out;
}

describe('the proto comment error list', () => {
  it("should give every code status-map.ts's gRPC status when compared", () => {
    const actual = Object.fromEntries(
      Object.entries(GRPC_STATUS).map(([code, s]) => [code, statusName(s)]),
    );
    expect(protoRows()).to.deep.equal(actual);
  });
});

describe('CallFS trailers on statuses grpc-js raises itself', () => {
  it('should add PAYLOAD_TOO_LARGE when a status is RESOURCE_EXHAUSTED without a code', () => {
    const h = withCallfsTrailers({ 'grpc-status': String(grpc.status.RESOURCE_EXHAUSTED) });
    expect(h['x-callfs-code']).to.equal('PAYLOAD_TOO_LARGE');
  });

  it('should add a retry hint when a status is UNAVAILABLE without a code', () => {
    const h = withCallfsTrailers({ 'grpc-status': String(grpc.status.UNAVAILABLE) });
    expect([h['x-callfs-code'], h['x-callfs-retry-after']]).to.deep.equal([
      'NODE_NOT_SERVING',
      '1',
    ]);
  });

  it('should keep the code a handler sent when one is there', () => {
    const h = withCallfsTrailers({
      'grpc-status': String(grpc.status.NOT_FOUND),
      'x-callfs-code': 'FILE_NOT_FOUND',
    });
    expect(h['x-callfs-code']).to.equal('FILE_NOT_FOUND');
  });

  it('should add nothing when the status is OK', () => {
    expect(withCallfsTrailers({ 'grpc-status': '0' })).to.not.have.property('x-callfs-code');
  });
});

// openapi.yaml against the app it documents: every route the edge serves (method + pattern,
// Hono's `/v1/files/*` read as `/v1/files/{path}`) is in the document and the document has no
// operation the app lacks; the document is OpenAPI 3.1 whose refs all resolve, with the error
// schema and codes of the edge's one error table and the X-CallFS headers the edge sends.
import { readFileSync } from 'node:fs';
import { Validator } from '@seriousme/openapi-schema-validator';
import { expect } from 'chai';
import { pino } from 'pino';
import { parse } from 'yaml';
import { createAuthenticator } from '../../../src/auth/api-keys.js';
import { createEdgeApp } from '../../../src/edge/app.js';
import { HTTP_STATUS } from '../../../src/edge/error-map.js';
import { callfsHeaders } from '../../../src/edge/headers.js';
import type { ChangeFeed } from '../../../src/files/change-feed.js';
import type { ClusterOverviewReader } from '../../../src/files/cluster-overview.js';
import type { FileInfo, FilesApi } from '../../../src/files/ports.js';
import type { LinksApi } from '../../../src/links/ports.js';

type Json = Record<string, unknown>;
interface Document {
  openapi: string;
  security: Json[];
  paths: Record<string, Record<string, Json>>;
  components: Json & {
    schemas: Record<string, Json>;
    headers: Record<string, Json>;
    securitySchemes: Record<string, Json>;
  };
}

const DOC = parse(
  readFileSync(new URL('../../../openapi.yaml', import.meta.url), 'utf8'),
) as Document;

const HTTP_METHODS = ['get', 'head', 'post', 'put', 'delete', 'patch', 'options', 'trace'];
/** Codes of the edge table that are internal retry signals, never documented to clients. */
const INTERNAL_CODES = ['STALE_REVISION', 'WRONG_OWNER'];
const PUBLIC_PATHS = ['/health', '/ready', '/download/{token}', '/ui', '/ui/', '/ui/{file}'];

/** A port whose every method rejects: the routes are only listed, never called. */
function stub<T>(): T {
  return new Proxy({}, { get: () => () => Promise.reject(new Error('stub')) }) as T;
}

function buildApp() {
  return createEdgeApp({
    files: stub<FilesApi>(),
    auth: createAuthenticator({
      apiKeys: ['openapi-test-key-0123456789'],
      apiKeyUsers: {},
      internalSecret: 'internal-secret-0123456789abcdef',
    }),
    logger: pino({ level: 'silent' }),
    instanceId: 'node-a',
    ready: async () => true,
    links: { service: stub<LinksApi>() },
    watch: { feed: stub<ChangeFeed>() },
    cluster: { reader: stub<ClusterOverviewReader>() },
  });
}

/** Hono pattern → OpenAPI template: `/v1/files/*` → `/v1/files/{path}`, `:token` → `{token}`. */
function templated(pattern: string): string {
  return pattern.replace(/\/\*$/, '/{path}').replace(/:(\w+)/g, '{$1}');
}

/** `GET /v1/files/{path}`, ... of the app's endpoints (no middleware, no ALL catch-alls). */
function appOperations(): string[] {
  const ops = buildApp()
    .routes.filter((r) => r.method !== 'ALL')
    .map((r) => `${r.method} ${templated(r.path)}`);
  return [...new Set(ops)].sort();
}

function docOperations(): string[] {
  return Object.entries(DOC.paths)
    .flatMap(([path, item]) =>
      Object.keys(item)
        .filter((k) => HTTP_METHODS.includes(k))
        .map((m) => `${m.toUpperCase()} ${path}`),
    )
    .sort();
}

/** Follows a local `#/a/b` reference; undefined when it points nowhere. */
function resolve(ref: string): unknown {
  return ref
    .replace(/^#\//, '')
    .split('/')
    .reduce<unknown>((node, key) => (node as Json | undefined)?.[key], DOC);
}

function refsIn(node: unknown, out: string[] = []): string[] {
  if (Array.isArray(node)) node.forEach((n) => refsIn(n, out));
  else if (node && typeof node === 'object') {
    for (const [k, v] of Object.entries(node)) {
      if (k === '$ref' && typeof v === 'string') out.push(v);
      else refsIn(v, out);
    }
  }
  return out;
}

describe('openapi.yaml', () => {
  it('should be an OpenAPI 3.1 document when parsed', () => {
    expect(DOC.openapi).to.match(/^3\.1\./);
  });

  it('should document every route of the app when compared with app.routes', () => {
    const documented = new Set(docOperations());
    expect(appOperations().filter((op) => !documented.has(op))).to.deep.equal([]);
  });

  it('should document no operation the app lacks when compared with app.routes', () => {
    const served = new Set(appOperations());
    // Hono answers HEAD with the GET route.
    const lacking = docOperations().filter(
      (op) => !served.has(op) && !served.has(op.replace(/^HEAD /, 'GET ')),
    );
    expect(lacking).to.deep.equal([]);
  });

  it('should resolve every $ref when the document is read', () => {
    const dangling = refsIn(DOC).filter((ref) => resolve(ref) === undefined);
    expect(dangling).to.deep.equal([]);
  });

  it('should require the bearer key on every endpoint but the public ones', () => {
    expect(DOC.components.securitySchemes.bearerAuth).to.include({
      type: 'http',
      scheme: 'bearer',
    });
    expect(DOC.security).to.deep.equal([{ bearerAuth: [] }]);
    const open = docOperations()
      .filter((op) => {
        const [method, path] = op.split(' ');
        return (DOC.paths[path][method.toLowerCase()] as Json).security !== undefined;
      })
      .map((op) => op.split(' ')[1]);
    expect([...new Set(open)].sort()).to.deep.equal([...PUBLIC_PATHS].sort());
  });

  it('should list every client-facing code of the edge error table when the Error schema is read', () => {
    const error = DOC.components.schemas.Error as {
      required: string[];
      properties: { code: { enum: string[] } };
    };
    const codes = Object.keys(HTTP_STATUS).filter((c) => !INTERNAL_CODES.includes(c));
    expect(error.required).to.deep.equal(['code', 'message']);
    expect([...error.properties.code.enum].sort()).to.deep.equal(codes.sort());
  });

  it('should describe the cross-server 409 body when the conflict schema is read', () => {
    const conflict = DOC.components.schemas.CrossServerConflict as { properties: Json };
    expect(Object.keys(conflict.properties)).to.have.members([
      'error',
      'existing_path',
      'instance_id',
      'backend_type',
      'suggestion',
      'update_url',
      'code',
      'message',
    ]);
  });

  it('should describe every X-CallFS header the edge sends when a file is served', () => {
    const info = { type: 'FILE_TYPE_FILE', size: 1, mode: 0o644, mtime_ms: 0 } as FileInfo;
    const sent = Object.keys(callfsHeaders(info));
    expect(Object.keys(DOC.components.headers)).to.include.members(sent);
  });

  it('should document the JSON body of PATCH when a move is described', () => {
    const patch = DOC.paths['/v1/files/{path}'].patch as {
      requestBody: { content: Record<string, { schema: { $ref: string } }> };
    };
    const schema = resolve(patch.requestBody.content['application/json'].schema.$ref) as {
      properties: Json;
    };
    expect(Object.keys(schema.properties)).to.have.members([
      'name',
      'destination',
      'overwrite',
      'create_parents',
      'instance',
      'backend',
    ]);
  });

  it('should document a success status for every operation', () => {
    const without = docOperations().filter((op) => {
      const [method, path] = op.split(' ');
      const responses = (DOC.paths[path][method.toLowerCase()] as { responses: Json }).responses;
      return !Object.keys(responses).some((s) => /^2\d\d$/.test(s));
    });
    expect(without).to.deep.equal([]);
  });

  it('should be a valid OpenAPI document when checked against the official schema', async () => {
    const result = await new Validator().validate(
      new URL('../../../openapi.yaml', import.meta.url).pathname,
    );
    expect(result.errors ?? []).to.deep.equal([]);
  });
});

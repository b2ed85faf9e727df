// API.md §3.5 row by row: every documented error code, thrown as its domain error class,
// answers its HTTP status with a JSON body carrying the same code (through the edge's one
// table, `errorResponse` + `onError`), and survives a trip through gRPC (`toGrpcStatus` on the
// owner, `fromGrpcError` on the caller) as the same class with the same code.
import type * as grpc from '@grpc/grpc-js';
import { expect } from 'chai';
import { Hono } from 'hono';
import { errorResponse, HTTP_STATUS, onError } from '../../../src/edge/error-map.js';
import {
  AlreadyExistsError,
  AuthenticationError,
  BadRequestError,
  type CallfsError,
  CursorExpiredError,
  RevisionCompactedError,
  DirectoryNotEmptyError,
  ExpectationFailedError,
  HeadersTooLargeError,
  InternalError,
  InvalidCursorError,
  InvalidPathError,
  LinkExpiredError,
  LinkUsedError,
  MetadataUnavailableError,
  MethodNotAllowedError,
  NodeNotServingError,
  NotADirectoryError,
  NotAFileError,
  NotFoundError,
  OwnerUnavailableError,
  ParentNotADirectoryError,
  PayloadTooLargeError,
  PermissionDeniedError,
  PreconditionFailedError,
  RangeNotSatisfiableError,
  RateLimitError,
  RouteNotFoundError,
} from '../../../src/files/errors.js';
import { fromGrpcError, toGrpcStatus } from '../../../src/peer/status-map.js';

const SELF = 'node-a';

interface Row {
  status: number;
  code: string;
  type: abstract new (...args: never[]) => CallfsError;
  make: () => CallfsError;
}

/** The table of API.md §3.5, one entry per code. */
const ROWS: Row[] = [
  {
    status: 400,
    code: 'INVALID_PATH',
    type: InvalidPathError,
    make: () => new InvalidPathError('bad path'),
  },
  {
    status: 400,
    code: 'BAD_REQUEST',
    type: BadRequestError,
    make: () => new BadRequestError('bad body'),
  },
  {
    status: 400,
    code: 'NOT_A_FILE',
    type: NotAFileError,
    make: () => new NotAFileError('a directory'),
  },
  {
    status: 400,
    code: 'NOT_A_DIRECTORY',
    type: NotADirectoryError,
    make: () => new NotADirectoryError('a file'),
  },
  {
    status: 400,
    code: 'INVALID_CURSOR',
    type: InvalidCursorError,
    make: () => new InvalidCursorError('altered cursor'),
  },
  {
    status: 401,
    code: 'AUTHENTICATION_FAILED',
    type: AuthenticationError,
    make: () => new AuthenticationError('no key'),
  },
  {
    status: 403,
    code: 'PERMISSION_DENIED',
    type: PermissionDeniedError,
    make: () => new PermissionDeniedError('not yours'),
  },
  {
    status: 404,
    code: 'FILE_NOT_FOUND',
    type: NotFoundError,
    make: () => new NotFoundError('missing'),
  },
  {
    status: 404,
    code: 'ROUTE_NOT_FOUND',
    type: RouteNotFoundError,
    make: () => new RouteNotFoundError('no such endpoint'),
  },
  {
    status: 405,
    code: 'METHOD_NOT_ALLOWED',
    type: MethodNotAllowedError,
    make: () => new MethodNotAllowedError('no PROPFIND'),
  },
  {
    status: 409,
    code: 'FILE_ALREADY_EXISTS',
    type: AlreadyExistsError,
    make: () => new AlreadyExistsError('exists'),
  },
  {
    status: 409,
    code: 'DIRECTORY_NOT_EMPTY',
    type: DirectoryNotEmptyError,
    make: () => new DirectoryNotEmptyError('has children'),
  },
  {
    status: 409,
    code: 'PARENT_NOT_A_DIRECTORY',
    type: ParentNotADirectoryError,
    make: () => new ParentNotADirectoryError('parent is a file'),
  },
  {
    status: 410,
    code: 'LINK_EXPIRED',
    type: LinkExpiredError,
    make: () => new LinkExpiredError('expired'),
  },
  { status: 410, code: 'LINK_USED', type: LinkUsedError, make: () => new LinkUsedError('used') },
  {
    status: 410,
    code: 'CURSOR_EXPIRED',
    type: CursorExpiredError,
    make: () => new CursorExpiredError('compacted'),
  },
  {
    status: 410,
    code: 'REVISION_COMPACTED',
    type: RevisionCompactedError,
    make: () => new RevisionCompactedError('compacted'),
  },
  {
    status: 412,
    code: 'PRECONDITION_FAILED',
    type: PreconditionFailedError,
    make: () => new PreconditionFailedError('stale If-Match'),
  },
  {
    status: 416,
    code: 'RANGE_NOT_SATISFIABLE',
    type: RangeNotSatisfiableError,
    make: () => new RangeNotSatisfiableError(10),
  },
  {
    status: 413,
    code: 'PAYLOAD_TOO_LARGE',
    type: PayloadTooLargeError,
    make: () => new PayloadTooLargeError('too big'),
  },
  {
    status: 417,
    code: 'EXPECTATION_FAILED',
    type: ExpectationFailedError,
    make: () => new ExpectationFailedError('expect what?'),
  },
  {
    status: 431,
    code: 'REQUEST_HEADER_FIELDS_TOO_LARGE',
    type: HeadersTooLargeError,
    make: () => new HeadersTooLargeError('headers too large'),
  },
  {
    status: 429,
    code: 'RATE_LIMIT_EXCEEDED',
    type: RateLimitError,
    make: () => new RateLimitError('slow down'),
  },
  {
    status: 500,
    code: 'INTERNAL_ERROR',
    type: InternalError,
    make: () => new InternalError('bug'),
  },
  {
    status: 503,
    code: 'OWNER_UNAVAILABLE',
    type: OwnerUnavailableError,
    make: () => new OwnerUnavailableError('node-b'),
  },
  {
    status: 503,
    code: 'METADATA_UNAVAILABLE',
    type: MetadataUnavailableError,
    make: () => new MetadataUnavailableError('etcd down'),
  },
  {
    status: 503,
    code: 'NODE_NOT_SERVING',
    type: NodeNotServingError,
    make: () => new NodeNotServingError('lease lost'),
  },
];

/** A one-route app whose handler throws `err`, with the edge's error handler installed. */
async function answer(err: unknown): Promise<Response> {
  const app = new Hono();
  app.get('/x', () => {
    throw err;
  });
  app.onError(onError(SELF, () => undefined));
  return app.request('/x');
}

/** What a grpc-js caller receives when the owner's handler failed with `err`. */
function overGrpc(err: CallfsError): CallfsError {
  const status = toGrpcStatus(err);
  return fromGrpcError(status as grpc.ServiceError, 'node-b');
}

describe('error table (API.md §3.5)', () => {
  describe('HTTP', () => {
    for (const row of ROWS) {
      it(`should answer ${row.status} ${row.code} as JSON when a ${row.type.name} is thrown`, async () => {
        const res = await answer(row.make());
        expect(res.status).to.equal(row.status);
        expect(res.headers.get('content-type')).to.match(/^application\/json/);
        expect(((await res.json()) as { code: string }).code).to.equal(row.code);
      });
    }

    for (const row of ROWS.filter((r) => r.status === 503 || r.status === 429)) {
      it(`should send Retry-After when ${row.code} is answered`, async () => {
        expect((await answer(row.make())).headers.get('retry-after')).to.equal('1');
      });
    }

    it('should send Content-Range bytes */size when RANGE_NOT_SATISFIABLE is answered', async () => {
      const res = await answer(new RangeNotSatisfiableError(99));
      expect(res.headers.get('content-range')).to.equal('bytes */99');
    });

    it('should name the owner in instance_id when OWNER_UNAVAILABLE is answered', () => {
      const { body } = errorResponse(new OwnerUnavailableError('node-b'), SELF);
      expect(body.instance_id).to.equal('node-b');
    });

    it('should answer the CallFS cross-server body when the path exists on another node', () => {
      const err = new AlreadyExistsError('exists', {
        path: '/shared/report.docx',
        type: 'file',
        instanceId: 'node-b',
        backendType: 'localfs',
        httpUrl: 'http://node-b:8443/',
      });
      const { status, body } = errorResponse(err, SELF);
      expect(status).to.equal(409);
      expect(body).to.deep.equal({
        error: 'Resource exists on another server',
        existing_path: '/shared/report.docx',
        instance_id: 'node-b',
        backend_type: 'localfs',
        suggestion: 'File already exists on another server. Use PUT to update it.',
        update_url: 'http://node-b:8443/v1/files/shared/report.docx',
        code: 'FILE_ALREADY_EXISTS',
        message: 'Resource exists on another server',
      });
    });

    it('should answer 500 INTERNAL_ERROR without internals when a plain Error is thrown', async () => {
      const res = await answer(new Error('etcd password hunter2 at /srv/x.ts:42'));
      expect(res.status).to.equal(500);
      expect(await res.json()).to.deep.equal({ code: 'INTERNAL_ERROR', message: 'internal error' });
    });

    it('should map every documented code when the edge table is read', () => {
      const documented = Object.fromEntries(ROWS.map((r) => [r.code, r.status]));
      expect(HTTP_STATUS).to.include(documented);
    });
  });

  describe('gRPC round trip', () => {
    for (const row of ROWS) {
      it(`should keep ${row.type.name} and ${row.code} when it crosses gRPC`, () => {
        const back = overGrpc(row.make());
        expect(back).to.be.instanceOf(row.type);
        expect(back.code).to.equal(row.code);
      });
    }

    it('should keep the file size when RANGE_NOT_SATISFIABLE crosses gRPC', () => {
      const back = overGrpc(new RangeNotSatisfiableError(1234));
      expect((back as RangeNotSatisfiableError).size).to.equal(1234);
    });

    it('should keep the owner instance id when OWNER_UNAVAILABLE crosses gRPC', () => {
      const back = overGrpc(new OwnerUnavailableError('node-c'));
      expect((back as OwnerUnavailableError).instanceId).to.equal('node-c');
    });

    it('should keep where the path exists when a cross-server conflict crosses gRPC', () => {
      const existing = {
        path: '/shared/report.docx',
        type: 'directory' as const,
        instanceId: 'node-c',
        backendType: 'localfs',
        httpUrl: 'http://node-c:8443',
      };
      const back = overGrpc(new AlreadyExistsError('exists', existing, 'file'));
      expect((back as AlreadyExistsError).existing).to.deep.equal(existing);
      expect((back as AlreadyExistsError).requestedType).to.equal('file');
    });

    it('should answer the same HTTP body on the caller when a conflict crossed gRPC', () => {
      const existing = {
        path: '/a',
        type: 'file' as const,
        instanceId: 'node-c',
        backendType: 'localfs',
      };
      const direct = errorResponse(new AlreadyExistsError('exists', existing), SELF);
      expect(
        errorResponse(overGrpc(new AlreadyExistsError('exists', existing)), SELF),
      ).to.deep.equal(direct);
    });
  });
});

// The one table from domain errors to HTTP, installed with `app.onError`. Handlers never pick
// an error status themselves. The cross-server conflict gets the CallFS-compatible 409 body.
import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import {
  AlreadyExistsError,
  type CallfsError,
  OwnerUnavailableError,
  RangeNotSatisfiableError,
  toCallfsError,
} from '../files/errors.js';

export const HTTP_STATUS: Record<string, ContentfulStatusCode> = {
  INVALID_PATH: 400,
  BAD_REQUEST: 400,
  NOT_A_FILE: 400,
  NOT_A_DIRECTORY: 400,
  INVALID_CURSOR: 400,
  AUTHENTICATION_FAILED: 401,
  PERMISSION_DENIED: 403,
  FILE_NOT_FOUND: 404,
  ROUTE_NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  FILE_ALREADY_EXISTS: 409,
  DIRECTORY_NOT_EMPTY: 409,
  PARENT_NOT_A_DIRECTORY: 409,
  LINK_EXPIRED: 410,
  LINK_USED: 410,
  CURSOR_EXPIRED: 410,
  REVISION_COMPACTED: 410,
  PRECONDITION_FAILED: 412,
  PAYLOAD_TOO_LARGE: 413,
  RANGE_NOT_SATISFIABLE: 416,
  EXPECTATION_FAILED: 417,
  REQUEST_HEADER_FIELDS_TOO_LARGE: 431,
  RATE_LIMIT_EXCEEDED: 429,
  INTERNAL_ERROR: 500,
  OWNER_UNAVAILABLE: 503,
  METADATA_UNAVAILABLE: 503,
  NODE_NOT_SERVING: 503,
  // Internal retry signals that ran out of retries: the client may simply try again.
  STALE_REVISION: 503,
  WRONG_OWNER: 503,
};

const RETRY_AFTER_SECONDS = '1';

const SUGGESTIONS = {
  'file:file': 'File already exists on another server. Use PUT to update it.',
  'directory:directory': 'Directory already exists on another server. Use GET to access it.',
  'directory:file': 'Path exists as file on another server, cannot create directory',
  'file:directory': 'Path exists as directory on another server, cannot create file',
} as const;

export interface ErrorBody {
  code: string;
  message: string;
  [extra: string]: unknown;
}

/** The HTTP status and JSON body for an error, as the API documents them. */
export function errorResponse(
  error: CallfsError,
  selfInstanceId: string,
): { status: ContentfulStatusCode; body: ErrorBody } {
  const status = HTTP_STATUS[error.code] ?? 500;
  if (status === 500) {
    return { status, body: { code: 'INTERNAL_ERROR', message: 'internal error' } };
  }
  if (error instanceof AlreadyExistsError && error.existing) {
    const ex = error.existing;
    if (ex.instanceId && ex.instanceId !== selfInstanceId) {
      const message = 'Resource exists on another server';
      const base = ex.httpUrl?.replace(/\/+$/, '');
      return {
        status,
        body: {
          error: message,
          existing_path: ex.path,
          instance_id: ex.instanceId,
          backend_type: ex.backendType,
          suggestion: SUGGESTIONS[`${error.requestedType}:${ex.type}`],
          ...(base ? { update_url: `${base}/v1/files${encodePath(ex.path)}` } : {}),
          code: error.code,
          message,
        },
      };
    }
  }
  const body: ErrorBody = { code: error.code, message: error.message };
  if (error instanceof OwnerUnavailableError) body.instance_id = error.instanceId;
  return { status, body };
}

export function encodePath(path: string): string {
  return path
    .split('/')
    .map((s) => encodeURIComponent(s))
    .join('/');
}

/**
 * The edge's error handler. A 5xx is logged: at `warn` when it is retryable (an owner down, a
 * lease being renewed, a commit racing a move: the client is told to retry, nothing is wrong
 * with the node), at `error` otherwise, so alerts on error lines mean a fault.
 */
export function onError(
  selfInstanceId: string,
  log: (err: unknown, c: Context, level: 'warn' | 'error') => void,
) {
  return (err: unknown, c: Context) => {
    const error = toCallfsError(err);
    const { status, body } = errorResponse(error, selfInstanceId);
    if (status >= 500) log(err, c, error.retryable ? 'warn' : 'error');
    if (status === 503 || status === 429) c.header('Retry-After', RETRY_AFTER_SECONDS);
    // An upload refused before its body was read must not keep the socket for the rest.
    if (status === 413 || status === 401) c.header('Connection', 'close');
    if (error instanceof RangeNotSatisfiableError) {
      c.header('Content-Range', `bytes */${error.size}`);
    }
    return c.json(body, status);
  };
}

// The domain errors of CallFS: one class per failure kind, each with the stable `code` that
// the HTTP API and the gRPC service both expose. The edge maps them to HTTP statuses in one
// table and the peer maps them to gRPC statuses in one function; nothing else picks a status.

export interface CallfsErrorOptions {
  cause?: unknown;
}

export abstract class CallfsError extends Error {
  abstract readonly code: string;
  /** Whether the same request may succeed if simply tried again later. */
  readonly retryable: boolean = false;
  constructor(message: string, options?: CallfsErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}

export class InvalidPathError extends CallfsError {
  readonly code = 'INVALID_PATH';
}
export class BadRequestError extends CallfsError {
  readonly code = 'BAD_REQUEST';
}
export class NotAFileError extends CallfsError {
  readonly code = 'NOT_A_FILE';
}
export class NotADirectoryError extends CallfsError {
  readonly code = 'NOT_A_DIRECTORY';
}
export class AuthenticationError extends CallfsError {
  readonly code = 'AUTHENTICATION_FAILED';
}
export class PermissionDeniedError extends CallfsError {
  readonly code = 'PERMISSION_DENIED';
}
export class NotFoundError extends CallfsError {
  readonly code = 'FILE_NOT_FOUND';
}
export class RouteNotFoundError extends CallfsError {
  readonly code = 'ROUTE_NOT_FOUND';
}
export class MethodNotAllowedError extends CallfsError {
  readonly code = 'METHOD_NOT_ALLOWED';
}

/** Where an existing path lives, for the cross-server 409 body. */
export interface ExistingResource {
  path: string;
  type: 'file' | 'directory';
  instanceId: string;
  backendType: string;
  /** The owner's advertised HTTP base URL, when known (for `update_url`). */
  httpUrl?: string;
}

export class AlreadyExistsError extends CallfsError {
  readonly code = 'FILE_ALREADY_EXISTS';
  constructor(
    message: string,
    readonly existing?: ExistingResource,
    /** The type the failed request tried to create. */
    readonly requestedType: 'file' | 'directory' = 'file',
    options?: CallfsErrorOptions,
  ) {
    super(message, options);
  }
}
export class DirectoryNotEmptyError extends CallfsError {
  readonly code = 'DIRECTORY_NOT_EMPTY';
}
export class ParentNotADirectoryError extends CallfsError {
  readonly code = 'PARENT_NOT_A_DIRECTORY';
}
export class LinkExpiredError extends CallfsError {
  readonly code = 'LINK_EXPIRED';
}
export class LinkUsedError extends CallfsError {
  readonly code = 'LINK_USED';
}
export class CursorExpiredError extends CallfsError {
  readonly code = 'CURSOR_EXPIRED';
}
/** A change feed asked to resume from a revision the store has compacted: re-list, then watch. */
export class RevisionCompactedError extends CallfsError {
  readonly code = 'REVISION_COMPACTED';
}
/** A listing cursor that this cluster did not issue, or that was altered, or is another listing's. */
export class InvalidCursorError extends CallfsError {
  readonly code = 'INVALID_CURSOR';
}
/** An `Expect` header other than `100-continue`. */
export class ExpectationFailedError extends CallfsError {
  readonly code = 'EXPECTATION_FAILED';
}
/** The request line and headers are larger than the server reads. */
export class HeadersTooLargeError extends CallfsError {
  readonly code = 'REQUEST_HEADER_FIELDS_TOO_LARGE';
}
/**
 * A request's preconditions (If-Match, If-Unmodified-Since, If-None-Match on a write) do not
 * hold for the path's current version, checked against the record its commit is fenced on.
 */
export class PreconditionFailedError extends CallfsError {
  readonly code = 'PRECONDITION_FAILED';
}
/** A byte range that starts past the end of the file; `size` names the file's length. */
export class RangeNotSatisfiableError extends CallfsError {
  readonly code = 'RANGE_NOT_SATISFIABLE';
  constructor(
    readonly size: number,
    message = `no byte of the range lies within the file's ${size} bytes`,
  ) {
    super(message);
  }
}
export class PayloadTooLargeError extends CallfsError {
  readonly code = 'PAYLOAD_TOO_LARGE';
}
export class RateLimitError extends CallfsError {
  readonly code = 'RATE_LIMIT_EXCEEDED';
  override readonly retryable = true;
}
export class InternalError extends CallfsError {
  readonly code = 'INTERNAL_ERROR';
}
export class OwnerUnavailableError extends CallfsError {
  readonly code = 'OWNER_UNAVAILABLE';
  override readonly retryable = true;
  constructor(
    readonly instanceId: string,
    message = `owner node ${instanceId} is unavailable`,
    options?: CallfsErrorOptions,
  ) {
    super(message, options);
  }
}
export class MetadataUnavailableError extends CallfsError {
  readonly code = 'METADATA_UNAVAILABLE';
  override readonly retryable = true;
}
export class NodeNotServingError extends CallfsError {
  readonly code = 'NODE_NOT_SERVING';
  override readonly retryable = true;
}
/**
 * A compare-and-swap in the metadata store lost to a concurrent change (the inode's revision,
 * an ancestor or the node's own membership changed). Callers re-read and retry a bounded
 * number of times; it surfaces to clients only if retries run out.
 */
export class StaleRevisionError extends CallfsError {
  readonly code = 'STALE_REVISION';
  override readonly retryable = true;
}
/** The path is owned by another node than the one asked (a forwarded call hit a non-owner). */
export class WrongOwnerError extends CallfsError {
  readonly code = 'WRONG_OWNER';
  override readonly retryable = true;
  constructor(
    readonly instanceId: string,
    message = `path is owned by ${instanceId}`,
  ) {
    super(message);
  }
}

/** Every code a CallfsError can carry, for mapping tables that must cover them all. */
export type ErrorCode = CallfsError['code'];

/** Wraps anything thrown into a CallfsError (unknown failures become INTERNAL_ERROR). */
export function toCallfsError(err: unknown): CallfsError {
  if (err instanceof CallfsError) return err;
  return new InternalError('internal error', { cause: err });
}

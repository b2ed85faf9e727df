// The two mappings between domain errors and gRPC: domain → status (used once, by the server)
// and status → domain (used once, by the client). The `x-callfs-code` trailer carries the
// exact API code so a forwarded error reaches the HTTP client as the owner would answer it.
import * as grpc from '@grpc/grpc-js';
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
  StaleRevisionError,
  WrongOwnerError,
  toCallfsError,
} from '../files/errors.js';
import { MD } from './proto.js';

const S = grpc.status;

/** Every API code and the gRPC status it travels as (the gRPC error table of docs/api.md). */
export const GRPC_STATUS: Readonly<Record<string, grpc.status>> = {
  INVALID_PATH: S.INVALID_ARGUMENT,
  BAD_REQUEST: S.INVALID_ARGUMENT,
  NOT_A_FILE: S.INVALID_ARGUMENT,
  NOT_A_DIRECTORY: S.INVALID_ARGUMENT,
  INVALID_CURSOR: S.INVALID_ARGUMENT,
  EXPECTATION_FAILED: S.INVALID_ARGUMENT,
  REQUEST_HEADER_FIELDS_TOO_LARGE: S.RESOURCE_EXHAUSTED,
  AUTHENTICATION_FAILED: S.UNAUTHENTICATED,
  PERMISSION_DENIED: S.PERMISSION_DENIED,
  FILE_NOT_FOUND: S.NOT_FOUND,
  ROUTE_NOT_FOUND: S.NOT_FOUND,
  METHOD_NOT_ALLOWED: S.UNIMPLEMENTED,
  FILE_ALREADY_EXISTS: S.ALREADY_EXISTS,
  DIRECTORY_NOT_EMPTY: S.FAILED_PRECONDITION,
  PARENT_NOT_A_DIRECTORY: S.FAILED_PRECONDITION,
  WRONG_OWNER: S.FAILED_PRECONDITION,
  LINK_EXPIRED: S.FAILED_PRECONDITION,
  LINK_USED: S.FAILED_PRECONDITION,
  CURSOR_EXPIRED: S.FAILED_PRECONDITION,
  REVISION_COMPACTED: S.OUT_OF_RANGE,
  PRECONDITION_FAILED: S.FAILED_PRECONDITION,
  RANGE_NOT_SATISFIABLE: S.OUT_OF_RANGE,
  PAYLOAD_TOO_LARGE: S.RESOURCE_EXHAUSTED,
  RATE_LIMIT_EXCEEDED: S.RESOURCE_EXHAUSTED,
  OWNER_UNAVAILABLE: S.UNAVAILABLE,
  METADATA_UNAVAILABLE: S.UNAVAILABLE,
  NODE_NOT_SERVING: S.UNAVAILABLE,
  STALE_REVISION: S.ABORTED,
  INTERNAL_ERROR: S.INTERNAL,
};

/** Seconds a client should wait before retrying, as HTTP's Retry-After says. */
export const RETRY_AFTER_SECONDS = '1';

/** Codes HTTP answers 503 or 429 with a Retry-After: the same hint travels as a trailer. */
const RETRY_AFTER_CODES = new Set([
  'OWNER_UNAVAILABLE',
  'METADATA_UNAVAILABLE',
  'NODE_NOT_SERVING',
  'RATE_LIMIT_EXCEEDED',
  'STALE_REVISION',
  'WRONG_OWNER',
]);

export function retryAfterFor(code: string): boolean {
  return RETRY_AFTER_CODES.has(code);
}

/** Domain error → the status object a grpc-js handler emits. */
export function toGrpcStatus(err: unknown): Partial<grpc.StatusObject> {
  const e = toCallfsError(err);
  const code = GRPC_STATUS[e.code] ?? S.INTERNAL;
  const metadata = new grpc.Metadata();
  metadata.set(MD.code, e.code);
  if (retryAfterFor(e.code)) metadata.set(MD.retryAfter, RETRY_AFTER_SECONDS);
  if (e instanceof OwnerUnavailableError || e instanceof WrongOwnerError) {
    metadata.set(MD.instanceId, e.instanceId);
  }
  if (e instanceof RangeNotSatisfiableError) metadata.set(MD.size, String(e.size));
  if (e instanceof AlreadyExistsError) {
    metadata.set(MD.requestedType, e.requestedType);
    if (e.existing) {
      metadata.set(MD.existingPath, e.existing.path);
      metadata.set(MD.existingType, e.existing.type);
      metadata.set(MD.instanceId, e.existing.instanceId);
      metadata.set(MD.backendType, e.existing.backendType);
      if (e.existing.httpUrl) metadata.set(MD.updateUrl, e.existing.httpUrl);
    }
  }
  const details = code === S.INTERNAL ? 'internal error' : e.message;
  return { code, details, metadata };
}

type Ctor = new (message: string) => CallfsError;
const BY_CODE: Record<string, Ctor> = {
  INVALID_PATH: InvalidPathError,
  BAD_REQUEST: BadRequestError,
  NOT_A_FILE: NotAFileError,
  NOT_A_DIRECTORY: NotADirectoryError,
  INVALID_CURSOR: InvalidCursorError,
  EXPECTATION_FAILED: ExpectationFailedError,
  REQUEST_HEADER_FIELDS_TOO_LARGE: HeadersTooLargeError,
  AUTHENTICATION_FAILED: AuthenticationError,
  PERMISSION_DENIED: PermissionDeniedError,
  FILE_NOT_FOUND: NotFoundError,
  ROUTE_NOT_FOUND: RouteNotFoundError,
  METHOD_NOT_ALLOWED: MethodNotAllowedError,
  DIRECTORY_NOT_EMPTY: DirectoryNotEmptyError,
  PARENT_NOT_A_DIRECTORY: ParentNotADirectoryError,
  LINK_EXPIRED: LinkExpiredError,
  LINK_USED: LinkUsedError,
  CURSOR_EXPIRED: CursorExpiredError,
  REVISION_COMPACTED: RevisionCompactedError,
  PRECONDITION_FAILED: PreconditionFailedError,
  PAYLOAD_TOO_LARGE: PayloadTooLargeError,
  RATE_LIMIT_EXCEEDED: RateLimitError,
  METADATA_UNAVAILABLE: MetadataUnavailableError,
  NODE_NOT_SERVING: NodeNotServingError,
  STALE_REVISION: StaleRevisionError,
  INTERNAL_ERROR: InternalError,
};

function first(md: grpc.Metadata | undefined, key: string): string | undefined {
  const v = md?.get(key)[0];
  return v === undefined ? undefined : String(v);
}

/**
 * gRPC error → domain error, as seen by a node calling `ownerId`. Transport failures (refused,
 * hung, reset) become OWNER_UNAVAILABLE naming the owner.
 */
export function fromGrpcError(err: unknown, ownerId: string): CallfsError {
  const e = err as Partial<grpc.ServiceError>;
  const md = e.metadata;
  const code = first(md, MD.code);
  const message = e.details || 'owner call failed';
  if (code === 'FILE_ALREADY_EXISTS') {
    const path = first(md, MD.existingPath);
    const requested = first(md, MD.requestedType) === 'directory' ? 'directory' : 'file';
    return new AlreadyExistsError(
      message,
      path
        ? {
            path,
            type: first(md, MD.existingType) === 'directory' ? 'directory' : 'file',
            instanceId: first(md, MD.instanceId) ?? '',
            backendType: first(md, MD.backendType) ?? '',
            httpUrl: first(md, MD.updateUrl),
          }
        : undefined,
      requested,
    );
  }
  if (code === 'OWNER_UNAVAILABLE') {
    return new OwnerUnavailableError(first(md, MD.instanceId) ?? ownerId, message);
  }
  if (code === 'RANGE_NOT_SATISFIABLE') {
    return new RangeNotSatisfiableError(Number(first(md, MD.size) ?? 0), message);
  }
  if (code === 'WRONG_OWNER') return new WrongOwnerError(first(md, MD.instanceId) ?? '', message);
  if (code && BY_CODE[code]) return new BY_CODE[code](message);
  switch (e.code) {
    case S.UNAVAILABLE:
    case S.DEADLINE_EXCEEDED:
    case S.CANCELLED:
    case S.UNKNOWN:
      return new OwnerUnavailableError(ownerId, `owner node ${ownerId} is unavailable`, {
        cause: err,
      });
    default:
      return new InternalError('owner call failed', { cause: err });
  }
}

/** A status with its trailers as a message carries it (CallStatus on a ReadMany stream). */
export interface WireStatus {
  code: number;
  details: string;
  trailers: Record<string, string>;
}

/** Domain error → the status a call would have ended with, as a message (toGrpcStatus). */
export function toWireStatus(err: unknown): WireStatus {
  const s = toGrpcStatus(err);
  const trailers: Record<string, string> = {};
  for (const [key, value] of Object.entries(s.metadata?.getMap() ?? {})) {
    trailers[key] = String(value);
  }
  return { code: s.code ?? S.INTERNAL, details: s.details ?? '', trailers };
}

/** A status carried as a message → the domain error, exactly as fromGrpcError maps a call's. */
export function fromWireStatus(s: WireStatus, ownerId: string): CallfsError {
  const metadata = new grpc.Metadata();
  for (const [key, value] of Object.entries(s.trailers)) metadata.set(key, value);
  return fromGrpcError({ code: s.code, details: s.details, metadata }, ownerId);
}

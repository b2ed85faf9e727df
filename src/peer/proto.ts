// Loads the callfs.v1 service definition from proto/ at run time with the same options the
// generated types were made with (keepCase, longs as numbers, enums as strings, defaults, oneofs).
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import type { ProtoGrpcType } from '../generated/files.js';
import type { ProtoGrpcType as NodeProtoGrpcType } from '../generated/node.js';
import { useChunkCodec } from './chunk-codec.js';

export const PROTO_PATH = fileURLToPath(
  new URL('../../proto/callfs/v1/files.proto', import.meta.url),
);
export const NODE_PROTO_PATH = fileURLToPath(
  new URL('../../proto/callfs/v1/node.proto', import.meta.url),
);

export const LOADER_OPTIONS: protoLoader.Options = {
  keepCase: true,
  longs: Number,
  enums: String,
  defaults: true,
  oneofs: true,
};

let cached: ProtoGrpcType | undefined;

export function loadProto(): ProtoGrpcType {
  // The definition is immutable; loading it once per process is safe to share. The messages
  // that carry bytes are encoded by hand (chunk-codec.ts).
  if (!cached) {
    const definition = protoLoader.loadSync(PROTO_PATH, LOADER_OPTIONS);
    useChunkCodec(definition, {
      'callfs.v1.FileService.Read': 'response',
      'callfs.v1.FileService.Write': 'request',
    });
    cached = grpc.loadPackageDefinition(definition) as unknown as ProtoGrpcType;
  }
  return cached;
}

let cachedNode: NodeProtoGrpcType | undefined;

/** The node-to-node service (proto/callfs/v1/node.proto). */
export function loadNodeProto(): NodeProtoGrpcType {
  if (!cachedNode) {
    const definition = protoLoader.loadSync(NODE_PROTO_PATH, LOADER_OPTIONS);
    useChunkCodec(definition, { 'callfs.v1.NodeService.StageFile': 'request' });
    cachedNode = grpc.loadPackageDefinition(definition) as unknown as NodeProtoGrpcType;
  }
  return cachedNode;
}

/** Metadata keys of the internal service (documented in the .proto). */
export const MD = {
  user: 'x-callfs-user',
  forwarded: 'x-callfs-forwarded',
  code: 'x-callfs-code',
  instanceId: 'x-callfs-instance-id',
  backendType: 'x-callfs-backend-type',
  existingType: 'x-callfs-existing-type',
  existingPath: 'x-callfs-existing-path',
  requestedType: 'x-callfs-requested-type',
  updateUrl: 'x-callfs-update-url',
  size: 'x-callfs-size',
  retryAfter: 'x-callfs-retry-after',
} as const;

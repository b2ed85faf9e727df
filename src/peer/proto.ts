// Loads the callfs.v1 service definition from proto/ at run time with the same options the
// generated types were made with (keepCase, longs as numbers, enums as strings, defaults, oneofs).
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { protoPath as HEALTH_PROTO_PATH } from 'grpc-health-check';
import type { ProtoGrpcType } from '../generated/files.js';
import type { ProtoGrpcType as NodeProtoGrpcType } from '../generated/node.js';
import { useChunkCodec } from './chunk-codec.js';

export const PROTO_PATH = fileURLToPath(
  new URL('../../proto/callfs/v1/files.proto', import.meta.url),
);
export const NODE_PROTO_PATH = fileURLToPath(
  new URL('../../proto/callfs/v1/node.proto', import.meta.url),
);

/** Where the protos' imports (`callfs/v1/files.proto`) are found, as `protoc -I proto` finds them. */
const PROTO_ROOT = fileURLToPath(new URL('../../proto', import.meta.url));

export const LOADER_OPTIONS: protoLoader.Options = {
  includeDirs: [PROTO_ROOT],
  keepCase: true,
  longs: Number,
  enums: String,
  defaults: true,
  oneofs: true,
};

let definition: protoLoader.PackageDefinition | undefined;

/**
 * Both callfs.v1 services and grpc.health.v1, parsed once per process: the servers, the clients
 * and reflection (reflection.ts) share it, so a node holds one parsed copy of its protos instead
 * of one per use. The definition is immutable once made; the messages that carry bytes are
 * encoded by hand (chunk-codec.ts).
 */
export function protoDefinition(): protoLoader.PackageDefinition {
  if (!definition) {
    definition = protoLoader.loadSync(
      [PROTO_PATH, NODE_PROTO_PATH, HEALTH_PROTO_PATH],
      LOADER_OPTIONS,
    );
    useChunkCodec(definition, {
      'callfs.v1.FileService.Read': 'response',
      'callfs.v1.FileService.Write': 'request',
      'callfs.v1.NodeService.StageFile': 'request',
    });
  }
  return definition;
}

let cached: grpc.GrpcObject | undefined;

function loaded(): grpc.GrpcObject {
  cached ??= grpc.loadPackageDefinition(protoDefinition());
  return cached;
}

/** The file service (proto/callfs/v1/files.proto). */
export function loadProto(): ProtoGrpcType {
  return loaded() as unknown as ProtoGrpcType;
}

/** The node-to-node service (proto/callfs/v1/node.proto). */
export function loadNodeProto(): NodeProtoGrpcType {
  return loaded() as unknown as NodeProtoGrpcType;
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

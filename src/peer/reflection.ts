// gRPC server reflection (grpc.reflection.v1 and v1alpha) for every service a node serves, so
// tools such as grpcurl list and describe them without a copy of proto/.
import type * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { ReflectionService } from '@grpc/reflection';
import { protoPath as HEALTH_PROTO_PATH } from 'grpc-health-check';
import { LOADER_OPTIONS, NODE_PROTO_PATH, PROTO_PATH } from './proto.js';

export function addReflection(server: Pick<grpc.Server, 'addService'>): void {
  const definition = protoLoader.loadSync(
    [PROTO_PATH, NODE_PROTO_PATH, HEALTH_PROTO_PATH],
    LOADER_OPTIONS,
  );
  new ReflectionService(definition).addToServer(server);
}

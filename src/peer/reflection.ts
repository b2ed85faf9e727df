// gRPC server reflection (grpc.reflection.v1 and v1alpha) for every service a node serves, so
// tools such as grpcurl list and describe them without a copy of proto/.
import type * as grpc from '@grpc/grpc-js';
import { ReflectionService } from '@grpc/reflection';
import { protoDefinition } from './proto.js';

export function addReflection(server: Pick<grpc.Server, 'addService'>): void {
  new ReflectionService(protoDefinition()).addToServer(server);
}

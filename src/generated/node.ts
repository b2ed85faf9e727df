// DO NOT EDIT: generated from proto/ by `npm run gen:proto`.
import type * as grpc from '@grpc/grpc-js';
import type { MessageTypeDefinition } from '@grpc/proto-loader';

import type { ApplyMoveRequest as _callfs_v1_ApplyMoveRequest, ApplyMoveRequest__Output as _callfs_v1_ApplyMoveRequest__Output } from './callfs/v1/ApplyMoveRequest.js';
import type { ApplyMoveResponse as _callfs_v1_ApplyMoveResponse, ApplyMoveResponse__Output as _callfs_v1_ApplyMoveResponse__Output } from './callfs/v1/ApplyMoveResponse.js';
import type { NodeServiceClient as _callfs_v1_NodeServiceClient, NodeServiceDefinition as _callfs_v1_NodeServiceDefinition } from './callfs/v1/NodeService.js';

type SubtypeConstructor<Constructor extends new (...args: any) => any, Subtype> = {
  new(...args: ConstructorParameters<Constructor>): Subtype;
};

export interface ProtoGrpcType {
  callfs: {
    v1: {
      ApplyMoveRequest: MessageTypeDefinition<_callfs_v1_ApplyMoveRequest, _callfs_v1_ApplyMoveRequest__Output>
      ApplyMoveResponse: MessageTypeDefinition<_callfs_v1_ApplyMoveResponse, _callfs_v1_ApplyMoveResponse__Output>
      NodeService: SubtypeConstructor<typeof grpc.Client, _callfs_v1_NodeServiceClient> & { service: _callfs_v1_NodeServiceDefinition }
    }
  }
}


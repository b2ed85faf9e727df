// DO NOT EDIT: generated from proto/ by `npm run gen:proto`.
// Original file: proto/callfs/v1/node.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { ApplyMoveRequest as _callfs_v1_ApplyMoveRequest, ApplyMoveRequest__Output as _callfs_v1_ApplyMoveRequest__Output } from '../../callfs/v1/ApplyMoveRequest.js';
import type { ApplyMoveResponse as _callfs_v1_ApplyMoveResponse, ApplyMoveResponse__Output as _callfs_v1_ApplyMoveResponse__Output } from '../../callfs/v1/ApplyMoveResponse.js';

export interface NodeServiceClient extends grpc.Client {
  ApplyMove(argument: _callfs_v1_ApplyMoveRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_callfs_v1_ApplyMoveResponse__Output>): grpc.ClientUnaryCall;
  ApplyMove(argument: _callfs_v1_ApplyMoveRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_callfs_v1_ApplyMoveResponse__Output>): grpc.ClientUnaryCall;
  ApplyMove(argument: _callfs_v1_ApplyMoveRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_callfs_v1_ApplyMoveResponse__Output>): grpc.ClientUnaryCall;
  ApplyMove(argument: _callfs_v1_ApplyMoveRequest, callback: grpc.requestCallback<_callfs_v1_ApplyMoveResponse__Output>): grpc.ClientUnaryCall;
  applyMove(argument: _callfs_v1_ApplyMoveRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_callfs_v1_ApplyMoveResponse__Output>): grpc.ClientUnaryCall;
  applyMove(argument: _callfs_v1_ApplyMoveRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_callfs_v1_ApplyMoveResponse__Output>): grpc.ClientUnaryCall;
  applyMove(argument: _callfs_v1_ApplyMoveRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_callfs_v1_ApplyMoveResponse__Output>): grpc.ClientUnaryCall;
  applyMove(argument: _callfs_v1_ApplyMoveRequest, callback: grpc.requestCallback<_callfs_v1_ApplyMoveResponse__Output>): grpc.ClientUnaryCall;
  
}

export interface NodeServiceHandlers extends grpc.UntypedServiceImplementation {
  ApplyMove: grpc.handleUnaryCall<_callfs_v1_ApplyMoveRequest__Output, _callfs_v1_ApplyMoveResponse>;
  
}

export interface NodeServiceDefinition extends grpc.ServiceDefinition {
  ApplyMove: MethodDefinition<_callfs_v1_ApplyMoveRequest, _callfs_v1_ApplyMoveResponse, _callfs_v1_ApplyMoveRequest__Output, _callfs_v1_ApplyMoveResponse__Output>
}

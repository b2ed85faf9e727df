// DO NOT EDIT: generated from proto/ by `npm run gen:proto`.
// Original file: proto/callfs/v1/node.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { ApplyMoveRequest as _callfs_v1_ApplyMoveRequest, ApplyMoveRequest__Output as _callfs_v1_ApplyMoveRequest__Output } from '../../callfs/v1/ApplyMoveRequest.js';
import type { ApplyMoveResponse as _callfs_v1_ApplyMoveResponse, ApplyMoveResponse__Output as _callfs_v1_ApplyMoveResponse__Output } from '../../callfs/v1/ApplyMoveResponse.js';
import type { FinishStagedRequest as _callfs_v1_FinishStagedRequest, FinishStagedRequest__Output as _callfs_v1_FinishStagedRequest__Output } from '../../callfs/v1/FinishStagedRequest.js';
import type { FinishStagedResponse as _callfs_v1_FinishStagedResponse, FinishStagedResponse__Output as _callfs_v1_FinishStagedResponse__Output } from '../../callfs/v1/FinishStagedResponse.js';
import type { ReadManyRequest as _callfs_v1_ReadManyRequest, ReadManyRequest__Output as _callfs_v1_ReadManyRequest__Output } from '../../callfs/v1/ReadManyRequest.js';
import type { ReadManyResponse as _callfs_v1_ReadManyResponse, ReadManyResponse__Output as _callfs_v1_ReadManyResponse__Output } from '../../callfs/v1/ReadManyResponse.js';
import type { StageFileRequest as _callfs_v1_StageFileRequest, StageFileRequest__Output as _callfs_v1_StageFileRequest__Output } from '../../callfs/v1/StageFileRequest.js';
import type { StageFileResponse as _callfs_v1_StageFileResponse, StageFileResponse__Output as _callfs_v1_StageFileResponse__Output } from '../../callfs/v1/StageFileResponse.js';

export interface NodeServiceClient extends grpc.Client {
  ApplyMove(argument: _callfs_v1_ApplyMoveRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_callfs_v1_ApplyMoveResponse__Output>): grpc.ClientUnaryCall;
  ApplyMove(argument: _callfs_v1_ApplyMoveRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_callfs_v1_ApplyMoveResponse__Output>): grpc.ClientUnaryCall;
  ApplyMove(argument: _callfs_v1_ApplyMoveRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_callfs_v1_ApplyMoveResponse__Output>): grpc.ClientUnaryCall;
  ApplyMove(argument: _callfs_v1_ApplyMoveRequest, callback: grpc.requestCallback<_callfs_v1_ApplyMoveResponse__Output>): grpc.ClientUnaryCall;
  applyMove(argument: _callfs_v1_ApplyMoveRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_callfs_v1_ApplyMoveResponse__Output>): grpc.ClientUnaryCall;
  applyMove(argument: _callfs_v1_ApplyMoveRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_callfs_v1_ApplyMoveResponse__Output>): grpc.ClientUnaryCall;
  applyMove(argument: _callfs_v1_ApplyMoveRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_callfs_v1_ApplyMoveResponse__Output>): grpc.ClientUnaryCall;
  applyMove(argument: _callfs_v1_ApplyMoveRequest, callback: grpc.requestCallback<_callfs_v1_ApplyMoveResponse__Output>): grpc.ClientUnaryCall;
  
  FinishStaged(argument: _callfs_v1_FinishStagedRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_callfs_v1_FinishStagedResponse__Output>): grpc.ClientUnaryCall;
  FinishStaged(argument: _callfs_v1_FinishStagedRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_callfs_v1_FinishStagedResponse__Output>): grpc.ClientUnaryCall;
  FinishStaged(argument: _callfs_v1_FinishStagedRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_callfs_v1_FinishStagedResponse__Output>): grpc.ClientUnaryCall;
  FinishStaged(argument: _callfs_v1_FinishStagedRequest, callback: grpc.requestCallback<_callfs_v1_FinishStagedResponse__Output>): grpc.ClientUnaryCall;
  finishStaged(argument: _callfs_v1_FinishStagedRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_callfs_v1_FinishStagedResponse__Output>): grpc.ClientUnaryCall;
  finishStaged(argument: _callfs_v1_FinishStagedRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_callfs_v1_FinishStagedResponse__Output>): grpc.ClientUnaryCall;
  finishStaged(argument: _callfs_v1_FinishStagedRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_callfs_v1_FinishStagedResponse__Output>): grpc.ClientUnaryCall;
  finishStaged(argument: _callfs_v1_FinishStagedRequest, callback: grpc.requestCallback<_callfs_v1_FinishStagedResponse__Output>): grpc.ClientUnaryCall;
  
  ReadMany(metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientDuplexStream<_callfs_v1_ReadManyRequest, _callfs_v1_ReadManyResponse__Output>;
  ReadMany(options?: grpc.CallOptions): grpc.ClientDuplexStream<_callfs_v1_ReadManyRequest, _callfs_v1_ReadManyResponse__Output>;
  readMany(metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientDuplexStream<_callfs_v1_ReadManyRequest, _callfs_v1_ReadManyResponse__Output>;
  readMany(options?: grpc.CallOptions): grpc.ClientDuplexStream<_callfs_v1_ReadManyRequest, _callfs_v1_ReadManyResponse__Output>;
  
  StageFile(metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_callfs_v1_StageFileResponse__Output>): grpc.ClientWritableStream<_callfs_v1_StageFileRequest>;
  StageFile(metadata: grpc.Metadata, callback: grpc.requestCallback<_callfs_v1_StageFileResponse__Output>): grpc.ClientWritableStream<_callfs_v1_StageFileRequest>;
  StageFile(options: grpc.CallOptions, callback: grpc.requestCallback<_callfs_v1_StageFileResponse__Output>): grpc.ClientWritableStream<_callfs_v1_StageFileRequest>;
  StageFile(callback: grpc.requestCallback<_callfs_v1_StageFileResponse__Output>): grpc.ClientWritableStream<_callfs_v1_StageFileRequest>;
  stageFile(metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_callfs_v1_StageFileResponse__Output>): grpc.ClientWritableStream<_callfs_v1_StageFileRequest>;
  stageFile(metadata: grpc.Metadata, callback: grpc.requestCallback<_callfs_v1_StageFileResponse__Output>): grpc.ClientWritableStream<_callfs_v1_StageFileRequest>;
  stageFile(options: grpc.CallOptions, callback: grpc.requestCallback<_callfs_v1_StageFileResponse__Output>): grpc.ClientWritableStream<_callfs_v1_StageFileRequest>;
  stageFile(callback: grpc.requestCallback<_callfs_v1_StageFileResponse__Output>): grpc.ClientWritableStream<_callfs_v1_StageFileRequest>;
  
}

export interface NodeServiceHandlers extends grpc.UntypedServiceImplementation {
  ApplyMove: grpc.handleUnaryCall<_callfs_v1_ApplyMoveRequest__Output, _callfs_v1_ApplyMoveResponse>;
  
  FinishStaged: grpc.handleUnaryCall<_callfs_v1_FinishStagedRequest__Output, _callfs_v1_FinishStagedResponse>;
  
  ReadMany: grpc.handleBidiStreamingCall<_callfs_v1_ReadManyRequest__Output, _callfs_v1_ReadManyResponse>;
  
  StageFile: grpc.handleClientStreamingCall<_callfs_v1_StageFileRequest__Output, _callfs_v1_StageFileResponse>;
  
}

export interface NodeServiceDefinition extends grpc.ServiceDefinition {
  ApplyMove: MethodDefinition<_callfs_v1_ApplyMoveRequest, _callfs_v1_ApplyMoveResponse, _callfs_v1_ApplyMoveRequest__Output, _callfs_v1_ApplyMoveResponse__Output>
  FinishStaged: MethodDefinition<_callfs_v1_FinishStagedRequest, _callfs_v1_FinishStagedResponse, _callfs_v1_FinishStagedRequest__Output, _callfs_v1_FinishStagedResponse__Output>
  ReadMany: MethodDefinition<_callfs_v1_ReadManyRequest, _callfs_v1_ReadManyResponse, _callfs_v1_ReadManyRequest__Output, _callfs_v1_ReadManyResponse__Output>
  StageFile: MethodDefinition<_callfs_v1_StageFileRequest, _callfs_v1_StageFileResponse, _callfs_v1_StageFileRequest__Output, _callfs_v1_StageFileResponse__Output>
}

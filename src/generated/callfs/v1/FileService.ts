// DO NOT EDIT: generated from proto/ by `npm run gen:proto`.
// Original file: proto/callfs/v1/files.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { DeleteRequest as _callfs_v1_DeleteRequest, DeleteRequest__Output as _callfs_v1_DeleteRequest__Output } from '../../callfs/v1/DeleteRequest.js';
import type { DeleteResponse as _callfs_v1_DeleteResponse, DeleteResponse__Output as _callfs_v1_DeleteResponse__Output } from '../../callfs/v1/DeleteResponse.js';
import type { ListRequest as _callfs_v1_ListRequest, ListRequest__Output as _callfs_v1_ListRequest__Output } from '../../callfs/v1/ListRequest.js';
import type { ListResponse as _callfs_v1_ListResponse, ListResponse__Output as _callfs_v1_ListResponse__Output } from '../../callfs/v1/ListResponse.js';
import type { MkdirRequest as _callfs_v1_MkdirRequest, MkdirRequest__Output as _callfs_v1_MkdirRequest__Output } from '../../callfs/v1/MkdirRequest.js';
import type { MkdirResponse as _callfs_v1_MkdirResponse, MkdirResponse__Output as _callfs_v1_MkdirResponse__Output } from '../../callfs/v1/MkdirResponse.js';
import type { MoveRequest as _callfs_v1_MoveRequest, MoveRequest__Output as _callfs_v1_MoveRequest__Output } from '../../callfs/v1/MoveRequest.js';
import type { MoveResponse as _callfs_v1_MoveResponse, MoveResponse__Output as _callfs_v1_MoveResponse__Output } from '../../callfs/v1/MoveResponse.js';
import type { ReadRequest as _callfs_v1_ReadRequest, ReadRequest__Output as _callfs_v1_ReadRequest__Output } from '../../callfs/v1/ReadRequest.js';
import type { ReadResponse as _callfs_v1_ReadResponse, ReadResponse__Output as _callfs_v1_ReadResponse__Output } from '../../callfs/v1/ReadResponse.js';
import type { StatRequest as _callfs_v1_StatRequest, StatRequest__Output as _callfs_v1_StatRequest__Output } from '../../callfs/v1/StatRequest.js';
import type { StatResponse as _callfs_v1_StatResponse, StatResponse__Output as _callfs_v1_StatResponse__Output } from '../../callfs/v1/StatResponse.js';
import type { WatchEvent as _callfs_v1_WatchEvent, WatchEvent__Output as _callfs_v1_WatchEvent__Output } from '../../callfs/v1/WatchEvent.js';
import type { WatchRequest as _callfs_v1_WatchRequest, WatchRequest__Output as _callfs_v1_WatchRequest__Output } from '../../callfs/v1/WatchRequest.js';
import type { WriteRequest as _callfs_v1_WriteRequest, WriteRequest__Output as _callfs_v1_WriteRequest__Output } from '../../callfs/v1/WriteRequest.js';
import type { WriteResponse as _callfs_v1_WriteResponse, WriteResponse__Output as _callfs_v1_WriteResponse__Output } from '../../callfs/v1/WriteResponse.js';

export interface FileServiceClient extends grpc.Client {
  Delete(argument: _callfs_v1_DeleteRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_callfs_v1_DeleteResponse__Output>): grpc.ClientUnaryCall;
  Delete(argument: _callfs_v1_DeleteRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_callfs_v1_DeleteResponse__Output>): grpc.ClientUnaryCall;
  Delete(argument: _callfs_v1_DeleteRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_callfs_v1_DeleteResponse__Output>): grpc.ClientUnaryCall;
  Delete(argument: _callfs_v1_DeleteRequest, callback: grpc.requestCallback<_callfs_v1_DeleteResponse__Output>): grpc.ClientUnaryCall;
  delete(argument: _callfs_v1_DeleteRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_callfs_v1_DeleteResponse__Output>): grpc.ClientUnaryCall;
  delete(argument: _callfs_v1_DeleteRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_callfs_v1_DeleteResponse__Output>): grpc.ClientUnaryCall;
  delete(argument: _callfs_v1_DeleteRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_callfs_v1_DeleteResponse__Output>): grpc.ClientUnaryCall;
  delete(argument: _callfs_v1_DeleteRequest, callback: grpc.requestCallback<_callfs_v1_DeleteResponse__Output>): grpc.ClientUnaryCall;
  
  List(argument: _callfs_v1_ListRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_callfs_v1_ListResponse__Output>;
  List(argument: _callfs_v1_ListRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_callfs_v1_ListResponse__Output>;
  list(argument: _callfs_v1_ListRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_callfs_v1_ListResponse__Output>;
  list(argument: _callfs_v1_ListRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_callfs_v1_ListResponse__Output>;
  
  Mkdir(argument: _callfs_v1_MkdirRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_callfs_v1_MkdirResponse__Output>): grpc.ClientUnaryCall;
  Mkdir(argument: _callfs_v1_MkdirRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_callfs_v1_MkdirResponse__Output>): grpc.ClientUnaryCall;
  Mkdir(argument: _callfs_v1_MkdirRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_callfs_v1_MkdirResponse__Output>): grpc.ClientUnaryCall;
  Mkdir(argument: _callfs_v1_MkdirRequest, callback: grpc.requestCallback<_callfs_v1_MkdirResponse__Output>): grpc.ClientUnaryCall;
  mkdir(argument: _callfs_v1_MkdirRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_callfs_v1_MkdirResponse__Output>): grpc.ClientUnaryCall;
  mkdir(argument: _callfs_v1_MkdirRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_callfs_v1_MkdirResponse__Output>): grpc.ClientUnaryCall;
  mkdir(argument: _callfs_v1_MkdirRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_callfs_v1_MkdirResponse__Output>): grpc.ClientUnaryCall;
  mkdir(argument: _callfs_v1_MkdirRequest, callback: grpc.requestCallback<_callfs_v1_MkdirResponse__Output>): grpc.ClientUnaryCall;
  
  Move(argument: _callfs_v1_MoveRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_callfs_v1_MoveResponse__Output>): grpc.ClientUnaryCall;
  Move(argument: _callfs_v1_MoveRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_callfs_v1_MoveResponse__Output>): grpc.ClientUnaryCall;
  Move(argument: _callfs_v1_MoveRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_callfs_v1_MoveResponse__Output>): grpc.ClientUnaryCall;
  Move(argument: _callfs_v1_MoveRequest, callback: grpc.requestCallback<_callfs_v1_MoveResponse__Output>): grpc.ClientUnaryCall;
  move(argument: _callfs_v1_MoveRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_callfs_v1_MoveResponse__Output>): grpc.ClientUnaryCall;
  move(argument: _callfs_v1_MoveRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_callfs_v1_MoveResponse__Output>): grpc.ClientUnaryCall;
  move(argument: _callfs_v1_MoveRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_callfs_v1_MoveResponse__Output>): grpc.ClientUnaryCall;
  move(argument: _callfs_v1_MoveRequest, callback: grpc.requestCallback<_callfs_v1_MoveResponse__Output>): grpc.ClientUnaryCall;
  
  Read(argument: _callfs_v1_ReadRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_callfs_v1_ReadResponse__Output>;
  Read(argument: _callfs_v1_ReadRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_callfs_v1_ReadResponse__Output>;
  read(argument: _callfs_v1_ReadRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_callfs_v1_ReadResponse__Output>;
  read(argument: _callfs_v1_ReadRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_callfs_v1_ReadResponse__Output>;
  
  Stat(argument: _callfs_v1_StatRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_callfs_v1_StatResponse__Output>): grpc.ClientUnaryCall;
  Stat(argument: _callfs_v1_StatRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_callfs_v1_StatResponse__Output>): grpc.ClientUnaryCall;
  Stat(argument: _callfs_v1_StatRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_callfs_v1_StatResponse__Output>): grpc.ClientUnaryCall;
  Stat(argument: _callfs_v1_StatRequest, callback: grpc.requestCallback<_callfs_v1_StatResponse__Output>): grpc.ClientUnaryCall;
  stat(argument: _callfs_v1_StatRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_callfs_v1_StatResponse__Output>): grpc.ClientUnaryCall;
  stat(argument: _callfs_v1_StatRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_callfs_v1_StatResponse__Output>): grpc.ClientUnaryCall;
  stat(argument: _callfs_v1_StatRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_callfs_v1_StatResponse__Output>): grpc.ClientUnaryCall;
  stat(argument: _callfs_v1_StatRequest, callback: grpc.requestCallback<_callfs_v1_StatResponse__Output>): grpc.ClientUnaryCall;
  
  Watch(argument: _callfs_v1_WatchRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_callfs_v1_WatchEvent__Output>;
  Watch(argument: _callfs_v1_WatchRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_callfs_v1_WatchEvent__Output>;
  watch(argument: _callfs_v1_WatchRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_callfs_v1_WatchEvent__Output>;
  watch(argument: _callfs_v1_WatchRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_callfs_v1_WatchEvent__Output>;
  
  Write(metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientDuplexStream<_callfs_v1_WriteRequest, _callfs_v1_WriteResponse__Output>;
  Write(options?: grpc.CallOptions): grpc.ClientDuplexStream<_callfs_v1_WriteRequest, _callfs_v1_WriteResponse__Output>;
  write(metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientDuplexStream<_callfs_v1_WriteRequest, _callfs_v1_WriteResponse__Output>;
  write(options?: grpc.CallOptions): grpc.ClientDuplexStream<_callfs_v1_WriteRequest, _callfs_v1_WriteResponse__Output>;
  
}

export interface FileServiceHandlers extends grpc.UntypedServiceImplementation {
  Delete: grpc.handleUnaryCall<_callfs_v1_DeleteRequest__Output, _callfs_v1_DeleteResponse>;
  
  List: grpc.handleServerStreamingCall<_callfs_v1_ListRequest__Output, _callfs_v1_ListResponse>;
  
  Mkdir: grpc.handleUnaryCall<_callfs_v1_MkdirRequest__Output, _callfs_v1_MkdirResponse>;
  
  Move: grpc.handleUnaryCall<_callfs_v1_MoveRequest__Output, _callfs_v1_MoveResponse>;
  
  Read: grpc.handleServerStreamingCall<_callfs_v1_ReadRequest__Output, _callfs_v1_ReadResponse>;
  
  Stat: grpc.handleUnaryCall<_callfs_v1_StatRequest__Output, _callfs_v1_StatResponse>;
  
  Watch: grpc.handleServerStreamingCall<_callfs_v1_WatchRequest__Output, _callfs_v1_WatchEvent>;
  
  Write: grpc.handleBidiStreamingCall<_callfs_v1_WriteRequest__Output, _callfs_v1_WriteResponse>;
  
}

export interface FileServiceDefinition extends grpc.ServiceDefinition {
  Delete: MethodDefinition<_callfs_v1_DeleteRequest, _callfs_v1_DeleteResponse, _callfs_v1_DeleteRequest__Output, _callfs_v1_DeleteResponse__Output>
  List: MethodDefinition<_callfs_v1_ListRequest, _callfs_v1_ListResponse, _callfs_v1_ListRequest__Output, _callfs_v1_ListResponse__Output>
  Mkdir: MethodDefinition<_callfs_v1_MkdirRequest, _callfs_v1_MkdirResponse, _callfs_v1_MkdirRequest__Output, _callfs_v1_MkdirResponse__Output>
  Move: MethodDefinition<_callfs_v1_MoveRequest, _callfs_v1_MoveResponse, _callfs_v1_MoveRequest__Output, _callfs_v1_MoveResponse__Output>
  Read: MethodDefinition<_callfs_v1_ReadRequest, _callfs_v1_ReadResponse, _callfs_v1_ReadRequest__Output, _callfs_v1_ReadResponse__Output>
  Stat: MethodDefinition<_callfs_v1_StatRequest, _callfs_v1_StatResponse, _callfs_v1_StatRequest__Output, _callfs_v1_StatResponse__Output>
  Watch: MethodDefinition<_callfs_v1_WatchRequest, _callfs_v1_WatchEvent, _callfs_v1_WatchRequest__Output, _callfs_v1_WatchEvent__Output>
  Write: MethodDefinition<_callfs_v1_WriteRequest, _callfs_v1_WriteResponse, _callfs_v1_WriteRequest__Output, _callfs_v1_WriteResponse__Output>
}

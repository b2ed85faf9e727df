// DO NOT EDIT: generated from proto/ by `npm run gen:proto`.
import type * as grpc from '@grpc/grpc-js';
import type { EnumTypeDefinition, MessageTypeDefinition } from '@grpc/proto-loader';

import type { ApplyMoveRequest as _callfs_v1_ApplyMoveRequest, ApplyMoveRequest__Output as _callfs_v1_ApplyMoveRequest__Output } from './callfs/v1/ApplyMoveRequest.js';
import type { ApplyMoveResponse as _callfs_v1_ApplyMoveResponse, ApplyMoveResponse__Output as _callfs_v1_ApplyMoveResponse__Output } from './callfs/v1/ApplyMoveResponse.js';
import type { ByteSpan as _callfs_v1_ByteSpan, ByteSpan__Output as _callfs_v1_ByteSpan__Output } from './callfs/v1/ByteSpan.js';
import type { CallStatus as _callfs_v1_CallStatus, CallStatus__Output as _callfs_v1_CallStatus__Output } from './callfs/v1/CallStatus.js';
import type { Conditions as _callfs_v1_Conditions, Conditions__Output as _callfs_v1_Conditions__Output } from './callfs/v1/Conditions.js';
import type { DeleteRequest as _callfs_v1_DeleteRequest, DeleteRequest__Output as _callfs_v1_DeleteRequest__Output } from './callfs/v1/DeleteRequest.js';
import type { DeleteResponse as _callfs_v1_DeleteResponse, DeleteResponse__Output as _callfs_v1_DeleteResponse__Output } from './callfs/v1/DeleteResponse.js';
import type { FileInfo as _callfs_v1_FileInfo, FileInfo__Output as _callfs_v1_FileInfo__Output } from './callfs/v1/FileInfo.js';
import type { FileServiceClient as _callfs_v1_FileServiceClient, FileServiceDefinition as _callfs_v1_FileServiceDefinition } from './callfs/v1/FileService.js';
import type { FinishStagedRequest as _callfs_v1_FinishStagedRequest, FinishStagedRequest__Output as _callfs_v1_FinishStagedRequest__Output } from './callfs/v1/FinishStagedRequest.js';
import type { FinishStagedResponse as _callfs_v1_FinishStagedResponse, FinishStagedResponse__Output as _callfs_v1_FinishStagedResponse__Output } from './callfs/v1/FinishStagedResponse.js';
import type { ListPage as _callfs_v1_ListPage, ListPage__Output as _callfs_v1_ListPage__Output } from './callfs/v1/ListPage.js';
import type { ListRequest as _callfs_v1_ListRequest, ListRequest__Output as _callfs_v1_ListRequest__Output } from './callfs/v1/ListRequest.js';
import type { ListResponse as _callfs_v1_ListResponse, ListResponse__Output as _callfs_v1_ListResponse__Output } from './callfs/v1/ListResponse.js';
import type { MkdirRequest as _callfs_v1_MkdirRequest, MkdirRequest__Output as _callfs_v1_MkdirRequest__Output } from './callfs/v1/MkdirRequest.js';
import type { MkdirResponse as _callfs_v1_MkdirResponse, MkdirResponse__Output as _callfs_v1_MkdirResponse__Output } from './callfs/v1/MkdirResponse.js';
import type { MoveRequest as _callfs_v1_MoveRequest, MoveRequest__Output as _callfs_v1_MoveRequest__Output } from './callfs/v1/MoveRequest.js';
import type { MoveResponse as _callfs_v1_MoveResponse, MoveResponse__Output as _callfs_v1_MoveResponse__Output } from './callfs/v1/MoveResponse.js';
import type { NodeServiceClient as _callfs_v1_NodeServiceClient, NodeServiceDefinition as _callfs_v1_NodeServiceDefinition } from './callfs/v1/NodeService.js';
import type { ReadManyRequest as _callfs_v1_ReadManyRequest, ReadManyRequest__Output as _callfs_v1_ReadManyRequest__Output } from './callfs/v1/ReadManyRequest.js';
import type { ReadManyResponse as _callfs_v1_ReadManyResponse, ReadManyResponse__Output as _callfs_v1_ReadManyResponse__Output } from './callfs/v1/ReadManyResponse.js';
import type { ReadRequest as _callfs_v1_ReadRequest, ReadRequest__Output as _callfs_v1_ReadRequest__Output } from './callfs/v1/ReadRequest.js';
import type { ReadResponse as _callfs_v1_ReadResponse, ReadResponse__Output as _callfs_v1_ReadResponse__Output } from './callfs/v1/ReadResponse.js';
import type { StageFileHeader as _callfs_v1_StageFileHeader, StageFileHeader__Output as _callfs_v1_StageFileHeader__Output } from './callfs/v1/StageFileHeader.js';
import type { StageFileRequest as _callfs_v1_StageFileRequest, StageFileRequest__Output as _callfs_v1_StageFileRequest__Output } from './callfs/v1/StageFileRequest.js';
import type { StageFileResponse as _callfs_v1_StageFileResponse, StageFileResponse__Output as _callfs_v1_StageFileResponse__Output } from './callfs/v1/StageFileResponse.js';
import type { StatRequest as _callfs_v1_StatRequest, StatRequest__Output as _callfs_v1_StatRequest__Output } from './callfs/v1/StatRequest.js';
import type { StatResponse as _callfs_v1_StatResponse, StatResponse__Output as _callfs_v1_StatResponse__Output } from './callfs/v1/StatResponse.js';
import type { WatchEvent as _callfs_v1_WatchEvent, WatchEvent__Output as _callfs_v1_WatchEvent__Output } from './callfs/v1/WatchEvent.js';
import type { WatchRequest as _callfs_v1_WatchRequest, WatchRequest__Output as _callfs_v1_WatchRequest__Output } from './callfs/v1/WatchRequest.js';
import type { WriteFinish as _callfs_v1_WriteFinish, WriteFinish__Output as _callfs_v1_WriteFinish__Output } from './callfs/v1/WriteFinish.js';
import type { WriteHeader as _callfs_v1_WriteHeader, WriteHeader__Output as _callfs_v1_WriteHeader__Output } from './callfs/v1/WriteHeader.js';
import type { WriteReady as _callfs_v1_WriteReady, WriteReady__Output as _callfs_v1_WriteReady__Output } from './callfs/v1/WriteReady.js';
import type { WriteRequest as _callfs_v1_WriteRequest, WriteRequest__Output as _callfs_v1_WriteRequest__Output } from './callfs/v1/WriteRequest.js';
import type { WriteResponse as _callfs_v1_WriteResponse, WriteResponse__Output as _callfs_v1_WriteResponse__Output } from './callfs/v1/WriteResponse.js';
import type { WriteResult as _callfs_v1_WriteResult, WriteResult__Output as _callfs_v1_WriteResult__Output } from './callfs/v1/WriteResult.js';

type SubtypeConstructor<Constructor extends new (...args: any) => any, Subtype> = {
  new(...args: ConstructorParameters<Constructor>): Subtype;
};

export interface ProtoGrpcType {
  callfs: {
    v1: {
      ApplyMoveRequest: MessageTypeDefinition<_callfs_v1_ApplyMoveRequest, _callfs_v1_ApplyMoveRequest__Output>
      ApplyMoveResponse: MessageTypeDefinition<_callfs_v1_ApplyMoveResponse, _callfs_v1_ApplyMoveResponse__Output>
      ByteSpan: MessageTypeDefinition<_callfs_v1_ByteSpan, _callfs_v1_ByteSpan__Output>
      CallStatus: MessageTypeDefinition<_callfs_v1_CallStatus, _callfs_v1_CallStatus__Output>
      Conditions: MessageTypeDefinition<_callfs_v1_Conditions, _callfs_v1_Conditions__Output>
      DeleteRequest: MessageTypeDefinition<_callfs_v1_DeleteRequest, _callfs_v1_DeleteRequest__Output>
      DeleteResponse: MessageTypeDefinition<_callfs_v1_DeleteResponse, _callfs_v1_DeleteResponse__Output>
      FileInfo: MessageTypeDefinition<_callfs_v1_FileInfo, _callfs_v1_FileInfo__Output>
      FileService: SubtypeConstructor<typeof grpc.Client, _callfs_v1_FileServiceClient> & { service: _callfs_v1_FileServiceDefinition }
      FileType: EnumTypeDefinition
      FinishStagedRequest: MessageTypeDefinition<_callfs_v1_FinishStagedRequest, _callfs_v1_FinishStagedRequest__Output>
      FinishStagedResponse: MessageTypeDefinition<_callfs_v1_FinishStagedResponse, _callfs_v1_FinishStagedResponse__Output>
      ListPage: MessageTypeDefinition<_callfs_v1_ListPage, _callfs_v1_ListPage__Output>
      ListRequest: MessageTypeDefinition<_callfs_v1_ListRequest, _callfs_v1_ListRequest__Output>
      ListResponse: MessageTypeDefinition<_callfs_v1_ListResponse, _callfs_v1_ListResponse__Output>
      MkdirRequest: MessageTypeDefinition<_callfs_v1_MkdirRequest, _callfs_v1_MkdirRequest__Output>
      MkdirResponse: MessageTypeDefinition<_callfs_v1_MkdirResponse, _callfs_v1_MkdirResponse__Output>
      MoveRequest: MessageTypeDefinition<_callfs_v1_MoveRequest, _callfs_v1_MoveRequest__Output>
      MoveResponse: MessageTypeDefinition<_callfs_v1_MoveResponse, _callfs_v1_MoveResponse__Output>
      NodeService: SubtypeConstructor<typeof grpc.Client, _callfs_v1_NodeServiceClient> & { service: _callfs_v1_NodeServiceDefinition }
      ReadManyRequest: MessageTypeDefinition<_callfs_v1_ReadManyRequest, _callfs_v1_ReadManyRequest__Output>
      ReadManyResponse: MessageTypeDefinition<_callfs_v1_ReadManyResponse, _callfs_v1_ReadManyResponse__Output>
      ReadRequest: MessageTypeDefinition<_callfs_v1_ReadRequest, _callfs_v1_ReadRequest__Output>
      ReadResponse: MessageTypeDefinition<_callfs_v1_ReadResponse, _callfs_v1_ReadResponse__Output>
      StageFileHeader: MessageTypeDefinition<_callfs_v1_StageFileHeader, _callfs_v1_StageFileHeader__Output>
      StageFileRequest: MessageTypeDefinition<_callfs_v1_StageFileRequest, _callfs_v1_StageFileRequest__Output>
      StageFileResponse: MessageTypeDefinition<_callfs_v1_StageFileResponse, _callfs_v1_StageFileResponse__Output>
      StatRequest: MessageTypeDefinition<_callfs_v1_StatRequest, _callfs_v1_StatRequest__Output>
      StatResponse: MessageTypeDefinition<_callfs_v1_StatResponse, _callfs_v1_StatResponse__Output>
      WatchEvent: MessageTypeDefinition<_callfs_v1_WatchEvent, _callfs_v1_WatchEvent__Output>
      WatchRequest: MessageTypeDefinition<_callfs_v1_WatchRequest, _callfs_v1_WatchRequest__Output>
      WriteFinish: MessageTypeDefinition<_callfs_v1_WriteFinish, _callfs_v1_WriteFinish__Output>
      WriteHeader: MessageTypeDefinition<_callfs_v1_WriteHeader, _callfs_v1_WriteHeader__Output>
      WriteMode: EnumTypeDefinition
      WriteReady: MessageTypeDefinition<_callfs_v1_WriteReady, _callfs_v1_WriteReady__Output>
      WriteRequest: MessageTypeDefinition<_callfs_v1_WriteRequest, _callfs_v1_WriteRequest__Output>
      WriteResponse: MessageTypeDefinition<_callfs_v1_WriteResponse, _callfs_v1_WriteResponse__Output>
      WriteResult: MessageTypeDefinition<_callfs_v1_WriteResult, _callfs_v1_WriteResult__Output>
    }
  }
}


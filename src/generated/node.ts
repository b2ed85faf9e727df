// DO NOT EDIT: generated from proto/ by `npm run gen:proto`.
import type * as grpc from '@grpc/grpc-js';
import type { MessageTypeDefinition } from '@grpc/proto-loader';

import type { ApplyMoveRequest as _callfs_v1_ApplyMoveRequest, ApplyMoveRequest__Output as _callfs_v1_ApplyMoveRequest__Output } from './callfs/v1/ApplyMoveRequest.js';
import type { ApplyMoveResponse as _callfs_v1_ApplyMoveResponse, ApplyMoveResponse__Output as _callfs_v1_ApplyMoveResponse__Output } from './callfs/v1/ApplyMoveResponse.js';
import type { FinishStagedRequest as _callfs_v1_FinishStagedRequest, FinishStagedRequest__Output as _callfs_v1_FinishStagedRequest__Output } from './callfs/v1/FinishStagedRequest.js';
import type { FinishStagedResponse as _callfs_v1_FinishStagedResponse, FinishStagedResponse__Output as _callfs_v1_FinishStagedResponse__Output } from './callfs/v1/FinishStagedResponse.js';
import type { NodeServiceClient as _callfs_v1_NodeServiceClient, NodeServiceDefinition as _callfs_v1_NodeServiceDefinition } from './callfs/v1/NodeService.js';
import type { StageFileHeader as _callfs_v1_StageFileHeader, StageFileHeader__Output as _callfs_v1_StageFileHeader__Output } from './callfs/v1/StageFileHeader.js';
import type { StageFileRequest as _callfs_v1_StageFileRequest, StageFileRequest__Output as _callfs_v1_StageFileRequest__Output } from './callfs/v1/StageFileRequest.js';
import type { StageFileResponse as _callfs_v1_StageFileResponse, StageFileResponse__Output as _callfs_v1_StageFileResponse__Output } from './callfs/v1/StageFileResponse.js';

type SubtypeConstructor<Constructor extends new (...args: any) => any, Subtype> = {
  new(...args: ConstructorParameters<Constructor>): Subtype;
};

export interface ProtoGrpcType {
  callfs: {
    v1: {
      ApplyMoveRequest: MessageTypeDefinition<_callfs_v1_ApplyMoveRequest, _callfs_v1_ApplyMoveRequest__Output>
      ApplyMoveResponse: MessageTypeDefinition<_callfs_v1_ApplyMoveResponse, _callfs_v1_ApplyMoveResponse__Output>
      FinishStagedRequest: MessageTypeDefinition<_callfs_v1_FinishStagedRequest, _callfs_v1_FinishStagedRequest__Output>
      FinishStagedResponse: MessageTypeDefinition<_callfs_v1_FinishStagedResponse, _callfs_v1_FinishStagedResponse__Output>
      NodeService: SubtypeConstructor<typeof grpc.Client, _callfs_v1_NodeServiceClient> & { service: _callfs_v1_NodeServiceDefinition }
      StageFileHeader: MessageTypeDefinition<_callfs_v1_StageFileHeader, _callfs_v1_StageFileHeader__Output>
      StageFileRequest: MessageTypeDefinition<_callfs_v1_StageFileRequest, _callfs_v1_StageFileRequest__Output>
      StageFileResponse: MessageTypeDefinition<_callfs_v1_StageFileResponse, _callfs_v1_StageFileResponse__Output>
    }
  }
}


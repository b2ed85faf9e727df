// The ports of the files service: the small interfaces it needs from the metadata store, the
// membership registry, the storage backends and the owner client, plus the public shape of the
// service itself (used by the HTTP edge and the gRPC server). One file per port; this module
// gathers them so the rest of the code names one place. Implementations live in src/metadata,
// src/storage and src/peer and are wired together only in the composition root.
export type * from './metadata-port.js';
export type * from './membership-port.js';
export type * from './storage-port.js';
export type * from './files-api.js';
export type * from './owner-client-port.js';

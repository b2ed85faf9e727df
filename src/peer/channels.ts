// The gRPC channels of a node to the other nodes: one per node address and service, with the
// options both services share, and the stream of small Reads to each node (read-mux.ts), on
// its NodeService channel and renewed with it.
import * as grpc from '@grpc/grpc-js';
import type { NodeRecord } from '../files/ports.js';
import type { FileServiceClient } from '../generated/callfs/v1/FileService.js';
import type { NodeServiceClient } from '../generated/callfs/v1/NodeService.js';
import { loadNodeProto, loadProto } from './proto.js';
import { ReadMux, type ReadMuxOptions } from './read-mux.js';

export interface PeerChannelOptions {
  internalSecret: string;
  chunkSize: number;
  flowControlWindow: number;
  readyTimeoutMs: number;
  keepaliveTimeMs: number;
  credentials?: grpc.ChannelCredentials;
  /** The small Reads' stream to each node (read-mux.ts); false: every Read is a call. */
  readMany?: Partial<Pick<ReadMuxOptions, 'maxInFlight' | 'reopenAfterMs'>> | false;
}

/** Small Reads pending on one node's stream at most (more go by calls). */
const READ_MANY_IN_FLIGHT = 256;
/** After a stream failed, reads go by calls this long before a new one is tried. */
const READ_MANY_REOPEN_MS = 1000;

export class PeerChannels {
  private readonly files = new Channels<FileServiceClient>();
  private readonly nodes = new Channels<NodeServiceClient>();
  private readonly muxes = new Channels<ReadMux>();

  constructor(private readonly o: PeerChannelOptions) {}

  close(): void {
    this.muxes.close();
    this.files.close();
    this.nodes.close();
  }

  /** The stream of small Reads to `node`, on its NodeService channel; undefined when off. */
  readMux(node: NodeRecord): ReadMux | undefined {
    const { readMany } = this.o;
    if (readMany === false) return undefined;
    let m = this.muxes.get(node);
    if (!m) {
      m = new ReadMux(this.nodeService(node), node, {
        internalSecret: this.o.internalSecret,
        readyMs: this.o.readyTimeoutMs,
        maxInFlight: readMany?.maxInFlight ?? READ_MANY_IN_FLIGHT,
        reopenAfterMs: readMany?.reopenAfterMs ?? READ_MANY_REOPEN_MS,
      });
      this.muxes.set(node, m);
    }
    return m;
  }

  /**
   * What both services' channels share. A hung node is noticed by keepalive, never by a
   * total-transfer deadline.
   */
  private channelOptions(): grpc.ChannelOptions {
    return {
      'grpc-node.flow_control_window': this.o.flowControlWindow,
      'grpc.max_send_message_length': this.o.chunkSize + 64 * 1024,
      'grpc.keepalive_time_ms': this.o.keepaliveTimeMs,
      'grpc.keepalive_timeout_ms': this.o.readyTimeoutMs,
      'grpc.keepalive_permit_without_calls': 1,
      // Nothing reads channelz; with it on, grpc-js stamps and counts every call and message.
      'grpc.enable_channelz': 0,
    };
  }

  fileService(owner: NodeRecord): FileServiceClient {
    let c = this.files.get(owner);
    if (!c) {
      const Ctor = loadProto().callfs.v1.FileService;
      c = new Ctor(owner.grpc_addr, this.o.credentials ?? grpc.credentials.createInsecure(), {
        ...this.channelOptions(),
        'grpc.max_receive_message_length': this.o.chunkSize + 64 * 1024,
        'grpc.initial_reconnect_backoff_ms': 200,
        'grpc.max_reconnect_backoff_ms': 1000,
      });
      this.files.set(owner, c);
    }
    return c;
  }

  nodeService(node: NodeRecord): NodeServiceClient {
    let c = this.nodes.get(node);
    if (!c) {
      const Ctor = loadNodeProto().callfs.v1.NodeService;
      c = new Ctor(
        node.grpc_addr,
        this.o.credentials ?? grpc.credentials.createInsecure(),
        this.channelOptions(),
      );
      this.nodes.set(node, c);
    }
    return c;
  }
}

/**
 * One channel per node address, renewed when the node has restarted: a node that comes back
 * registers again with a newer `started`, and gets a fresh channel rather than the old one,
 * which may still be backing off from the node's death (answering UNAVAILABLE for a node that
 * is back). A caller holding an older record of the node uses the current channel.
 */
class Channels<C extends { close(): void }> {
  private readonly byAddr = new Map<string, { started: number; client: C }>();

  get(node: NodeRecord): C | undefined {
    const cur = this.byAddr.get(node.grpc_addr);
    if (!cur) return undefined;
    if (node.started > cur.started) {
      cur.client.close();
      this.byAddr.delete(node.grpc_addr);
      return undefined;
    }
    return cur.client;
  }

  set(node: NodeRecord, client: C): void {
    this.byAddr.set(node.grpc_addr, { started: node.started, client });
  }

  close(): void {
    for (const { client } of this.byAddr.values()) client.close();
    this.byAddr.clear();
  }
}

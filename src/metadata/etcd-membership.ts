// This node's membership in etcd: `<prefix>nodes/<id>` created if absent under a kept-alive
// lease. The key's create revision is the fence every namespace commit compares, so a node
// whose lease lapsed (or whose key was replaced) cannot commit even if it has not noticed yet.
// When the lease is lost the node stops serving and re-registers in the background (new lease,
// new create revision) with backoff, until it succeeds or is deregistered.
import { CompareResult, CompareTarget, type Etcd3, type ICompare, type Lease } from 'etcd3';
import { AlreadyExistsError, InternalError, NodeNotServingError } from '../files/errors.js';
import type { NodeRecord } from '../files/ports.js';
import { callOptions, mapEtcdError, type MetadataLogger, once, Sleeper } from './etcd-call.js';
import { nodeKey, nodesPrefix, prefixEnd } from './keys.js';
import { decodeNode, encodeNode } from './records.js';

export interface EtcdMembershipOptions {
  client: Etcd3;
  prefix: string;
  instanceId: string;
  leaseTtlSeconds: number;
  /** How long register() waits for a previous holder of the id to go away. */
  registerRetryMs: number;
  requestTimeoutMs: number;
  logger: MetadataLogger;
}

/** A registration this process holds: its lease and the fence value of its key. */
export interface HeldRegistration {
  readonly lease: Lease;
  readonly leaseId: string;
  readonly createRevision: string;
}

const MAX_BACKOFF_MS = 5_000;

export class EtcdMembership {
  private readonly key: Buffer;
  private held: HeldRegistration | null = null;
  /** The record to (re-)publish; null when not registered or after deregister. */
  private node: NodeRecord | null = null;
  /** Bumped by deregister/close so background work started earlier stops. */
  private epoch = 0;
  private serving = false;
  private staleTimer: NodeJS.Timeout | undefined;
  private readonly sleeper = new Sleeper();
  private readonly listeners = new Set<(serving: boolean) => void>();

  constructor(private readonly o: EtcdMembershipOptions) {
    this.key = Buffer.from(nodeKey(o.prefix, o.instanceId));
  }

  async register(node: NodeRecord): Promise<void> {
    if (node.instance_id !== this.o.instanceId) {
      throw new InternalError(
        `register(${node.instance_id}) on metadata configured for ${this.o.instanceId}`,
      );
    }
    if (this.node) throw new InternalError(`${this.o.instanceId} is already registered`);
    this.node = node;
    const epoch = this.epoch;
    try {
      await this.acquire(node, epoch, this.o.registerRetryMs);
    } catch (err) {
      if (this.epoch === epoch) this.node = null;
      throw err;
    }
  }

  async deregister(): Promise<void> {
    this.epoch++;
    this.node = null;
    this.sleeper.cancelAll();
    const held = this.held;
    this.release();
    if (held) {
      try {
        await held.lease.revoke(callOptions(this.o.requestTimeoutMs));
      } catch (err) {
        throw mapEtcdError(err, 'deregister');
      }
      this.o.logger.info({ instanceId: this.o.instanceId }, 'membership deregistered');
    }
  }

  isServing(): boolean {
    return this.serving;
  }

  onServingChange(listener: (serving: boolean) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** The registration to fence a commit with, or NodeNotServingError without trying. */
  current(): HeldRegistration {
    if (!this.held) throw new NodeNotServingError(`${this.o.instanceId} holds no membership lease`);
    return this.held;
  }

  /** The compare that holds only while `held` is still this node's live registration. */
  fence(held: HeldRegistration): ICompare {
    return {
      key: this.key,
      target: CompareTarget.Create,
      result: CompareResult.Equal,
      create_revision: held.createRevision,
    };
  }

  get membershipKey(): Buffer {
    return this.key;
  }

  /**
   * A commit found the fence broken (the key expired or belongs to someone else): stop
   * serving and register anew, and hand the caller the error to answer with.
   */
  fenceFailed(held: HeldRegistration): NodeNotServingError {
    this.lose(held, 'membership fence failed');
    return new NodeNotServingError(`${this.o.instanceId} lost its membership lease`);
  }

  async getNode(instanceId: string): Promise<NodeRecord | null> {
    try {
      const res = await this.o.client.kv.range(
        { key: Buffer.from(nodeKey(this.o.prefix, instanceId)) },
        callOptions(this.o.requestTimeoutMs),
      );
      const kv = res.kvs[0];
      return kv ? decodeNode(instanceId, kv.value.toString('utf8')) : null;
    } catch (err) {
      throw mapEtcdError(err, 'getNode');
    }
  }

  async listNodes(): Promise<NodeRecord[]> {
    const start = Buffer.from(nodesPrefix(this.o.prefix));
    try {
      const res = await this.o.client.kv.range(
        { key: start, range_end: prefixEnd(start) },
        callOptions(this.o.requestTimeoutMs),
      );
      return res.kvs.map((kv) =>
        decodeNode(kv.key.subarray(start.length).toString('utf8'), kv.value.toString('utf8')),
      );
    } catch (err) {
      throw mapEtcdError(err, 'listNodes');
    }
  }

  /**
   * Grants a lease and creates the key if absent, polling for up to `windowMs` while another
   * holder (another process, or this node's previous incarnation) still has it.
   */
  private async acquire(node: NodeRecord, epoch: number, windowMs: number): Promise<void> {
    const lease = this.o.client.lease(this.o.leaseTtlSeconds, callOptions(this.o.requestTimeoutMs));
    lease.on('lost', (err) => {
      if (this.held?.lease === lease) this.lose(this.held, 'membership lease lost', err);
    });
    lease.on('keepaliveSucceeded', () => {
      if (this.held?.lease === lease) this.alive();
    });
    const until = Date.now() + windowMs;
    try {
      const leaseId = await lease.grant();
      for (;;) {
        if (this.epoch !== epoch) throw new NodeNotServingError('registration cancelled');
        const res = await once(() =>
          this.o.client.kv.txn(
            {
              compare: [
                {
                  key: this.key,
                  target: CompareTarget.Version,
                  result: CompareResult.Equal,
                  version: 0,
                },
              ],
              success: [
                {
                  request_put: {
                    key: this.key,
                    value: Buffer.from(encodeNode({ ...node, leased: Date.now() })),
                    lease: leaseId,
                  },
                },
              ],
            },
            callOptions(this.o.requestTimeoutMs),
          ),
        );
        if (res.succeeded) {
          if (this.epoch !== epoch) throw new NodeNotServingError('registration cancelled');
          // The key was created by this txn, so its create revision is the txn's revision.
          this.held = { lease, leaseId, createRevision: res.header.revision };
          this.alive();
          this.o.logger.info(
            { instanceId: this.o.instanceId, leaseId, createRevision: res.header.revision },
            'membership registered',
          );
          return;
        }
        const left = until - Date.now();
        if (left <= 0) {
          throw new AlreadyExistsError(
            `instance id ${this.o.instanceId} is held by another live process`,
          );
        }
        await this.sleeper.sleep(Math.min(200, left));
      }
    } catch (err) {
      // Best effort: an unused lease would otherwise live out its TTL.
      lease.revoke(callOptions(this.o.requestTimeoutMs)).catch(() => undefined);
      throw mapEtcdError(err, 'register');
    }
  }

  private lose(held: HeldRegistration, reason: string, cause?: unknown): void {
    if (this.held !== held) return;
    this.o.logger.warn(
      { instanceId: this.o.instanceId, leaseId: held.leaseId, err: cause },
      `${reason}; not serving until registered again`,
    );
    this.release();
    // If etcd still has the lease (we only think it is lost), revoking it frees the key now and
    // removes the claims it held, which this incarnation could not commit anyway.
    held.lease.revoke(callOptions(this.o.requestTimeoutMs)).catch(() => undefined);
    if (this.node) void this.reregister(this.node, this.epoch);
  }

  private async reregister(node: NodeRecord, epoch: number): Promise<void> {
    let delay = 100;
    while (this.epoch === epoch) {
      try {
        await this.acquire(node, epoch, this.o.registerRetryMs);
        return;
      } catch (err) {
        if (this.epoch !== epoch) return;
        this.o.logger.warn(
          { instanceId: this.o.instanceId, err, retryInMs: delay },
          're-registration failed',
        );
        await this.sleeper.sleep(delay);
        delay = Math.min(delay * 2, MAX_BACKOFF_MS);
      }
    }
  }

  /** A keepalive (or the grant) reached etcd: serving, until a TTL passes without another. */
  private alive(): void {
    clearTimeout(this.staleTimer);
    this.staleTimer = setTimeout(() => {
      this.o.logger.warn(
        { instanceId: this.o.instanceId },
        'no lease keepalive for a full TTL; not serving until etcd answers',
      );
      this.setServing(false);
    }, this.o.leaseTtlSeconds * 1000);
    this.staleTimer.unref();
    this.setServing(true);
  }

  private release(): void {
    this.held = null;
    clearTimeout(this.staleTimer);
    this.staleTimer = undefined;
    this.setServing(false);
  }

  private setServing(serving: boolean): void {
    if (this.serving === serving) return;
    this.serving = serving;
    for (const listener of [...this.listeners]) {
      try {
        listener(serving);
      } catch (err) {
        this.o.logger.error({ err }, 'serving-change listener threw');
      }
    }
  }
}

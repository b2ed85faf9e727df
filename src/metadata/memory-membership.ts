// The membership of one in-memory node: `nodes/<id>` taken if free under a lease of the shared
// store, whose create revision is the fence every commit compares, as in etcd-membership.ts.
// Test hooks: setServing() breaks or restores the fence, expireLease() acts out a lost lease
// (leased entries vanish, then the node re-registers on the next tick unless told not to).
import { AlreadyExistsError, InternalError, NodeNotServingError } from '../files/errors.js';
import type { Membership, NodeRecord } from '../files/ports.js';
import { byBytes, type MemoryStore } from './memory-store.js';

export interface MemoryMembershipOptions {
  instanceId: string;
  /** How long register() waits for another holder of the id (default 0: fail at once). */
  registerRetryMs?: number;
  /** Re-register on the next tick after expireLease() (default true). */
  autoReregister?: boolean;
}

/** A registration this node holds: its lease and the fence value of its key. */
export interface MemoryHeld {
  lease: number;
  createRevision: string;
}

export class MemoryMembership implements Membership {
  private held: MemoryHeld | null = null;
  private node: NodeRecord | null = null;
  private fenceBroken = false;
  private serving = false;
  private readonly listeners = new Set<(serving: boolean) => void>();

  constructor(
    private readonly store: MemoryStore,
    private readonly o: MemoryMembershipOptions,
  ) {}

  /** false: every commit fails its membership fence (NodeNotServingError); true: restores it. */
  setServing(serving: boolean): void {
    this.fenceBroken = !serving;
    this.updateServing();
  }

  /** The lease expires: leased entries and the membership record vanish, then re-register. */
  async expireLease(): Promise<void> {
    const held = this.held;
    if (!held) return;
    this.held = null;
    this.store.revokeLease(held.lease);
    this.updateServing();
    const node = this.node;
    if (node && this.o.autoReregister !== false) {
      setTimeout(() => {
        if (this.node === node && !this.held) this.acquire(node);
      }, 0);
    }
  }

  async register(node: NodeRecord): Promise<void> {
    if (node.instance_id !== this.o.instanceId) {
      throw new InternalError(`register(${node.instance_id}) on ${this.o.instanceId}`);
    }
    if (this.node) throw new InternalError(`${node.instance_id} is already registered`);
    const until = Date.now() + (this.o.registerRetryMs ?? 0);
    while (!this.acquire(node)) {
      if (Date.now() >= until) {
        throw new AlreadyExistsError(`instance id ${node.instance_id} is held by another process`);
      }
      await new Promise((r) => setTimeout(r, 10));
    }
    this.node = node;
  }

  async deregister(): Promise<void> {
    this.node = null;
    const held = this.held;
    this.held = null;
    if (held) this.store.revokeLease(held.lease);
    this.updateServing();
  }

  isServing(): boolean {
    return this.serving;
  }

  onServingChange(listener: (serving: boolean) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async getNode(instanceId: string): Promise<NodeRecord | null> {
    const n = this.store.nodes.get(instanceId);
    return n ? { ...n.node, backends: [...n.node.backends] } : null;
  }

  async listNodes(): Promise<NodeRecord[]> {
    return [...this.store.nodes.keys()]
      .sort(byBytes)
      .map((id) => this.store.nodes.get(id)!.node)
      .map((n) => ({ ...n, backends: [...n.backends] }));
  }

  /** The registration held now; NodeNotServingError when there is none. */
  current(): MemoryHeld {
    if (!this.held) {
      throw new NodeNotServingError(`${this.o.instanceId} holds no membership lease`);
    }
    return this.held;
  }

  /** NodeNotServingError unless the membership key is still the one `held` took. */
  checkFence(held: { createRevision: string }): void {
    const n = this.store.nodes.get(this.o.instanceId);
    if (this.fenceBroken || !n || n.createRevision !== held.createRevision) {
      throw new NodeNotServingError(`${this.o.instanceId} lost its membership lease`);
    }
  }

  /** The fence of a commit that needs nothing else from the registration. */
  fenced(): void {
    this.checkFence(this.current());
  }

  /** Takes the membership key if free; the key's create revision becomes the fence. */
  private acquire(node: NodeRecord): boolean {
    if (this.store.nodes.has(node.instance_id)) return false;
    const lease = this.store.nextLease();
    const createRevision = this.store.nextRevision();
    this.store.nodes.set(node.instance_id, {
      node: { ...node, backends: [...node.backends], leased: Date.now() },
      createRevision,
      lease,
    });
    this.held = { lease, createRevision };
    this.updateServing();
    return true;
  }

  private updateServing(): void {
    const serving = this.held !== null && !this.fenceBroken;
    if (serving === this.serving) return;
    this.serving = serving;
    for (const listener of [...this.listeners]) listener(serving);
  }
}

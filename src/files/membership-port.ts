// The membership port: a record per live node, held by a lease (src/metadata/etcd-membership.ts).

/** What a node publishes about itself in the membership registry. */
export interface NodeRecord {
  instance_id: string;
  http_url: string;
  grpc_addr: string;
  backends: string[];
  /** The `location` of each shared store this node reaches (S3 buckets), when any. */
  stores?: string[];
  /** Unix milliseconds. */
  started: number;
  /**
   * Unix milliseconds when the lease that holds the record now took it: set by the membership
   * adapter at each (re-)registration, so `now - leased` is the lease's age.
   */
  leased?: number;
}

/** Node membership: a record per live node, held by a lease. */
export interface Membership {
  /**
   * Publishes this node's record, create-if-absent on its instance id, attached to a lease
   * that is kept alive. Throws AlreadyExistsError when another live process holds the id.
   */
  register(node: NodeRecord): Promise<void>;
  /** Revokes the lease, removing the record and every leased claim. */
  deregister(): Promise<void>;
  /** True while this node holds its membership lease. */
  isServing(): boolean;
  getNode(instanceId: string): Promise<NodeRecord | null>;
  listNodes(): Promise<NodeRecord[]>;
}

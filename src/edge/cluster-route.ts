// `GET /v1/cluster` (README "Cluster overview"): the live nodes of the membership registry and
// what each owns, plus the owners that hold paths but are no longer registered (dead). The
// per-node figures come from a bounded scan whose coverage the answer reports (`scan`).
import { Hono, type Context } from 'hono';
import {
  DEFAULT_SCAN_LIMIT,
  type ClusterOverviewReader,
  type OwnedUsage,
} from '../files/cluster-overview.js';
import { BadRequestError, MethodNotAllowedError } from '../files/errors.js';
import { rfc3339Seconds } from './headers.js';
import type { EdgeEnv } from './request.js';

export interface ClusterEdgeOptions {
  reader: ClusterOverviewReader;
  /** The node answering (so a console can say which node it talks to). */
  instanceId: string;
}

function usageJson(u: OwnedUsage) {
  return { files: u.files, directories: u.directories, bytes: u.bytes };
}

function scanLimit(raw: string | undefined): number {
  if (raw === undefined) return DEFAULT_SCAN_LIMIT;
  if (!/^[0-9]{1,9}$/.test(raw)) throw new BadRequestError('scan_limit must be an integer');
  return Number(raw);
}

export function clusterRoutes(o: ClusterEdgeOptions): Hono<EdgeEnv> {
  const app = new Hono<EdgeEnv>();
  app.get('/', async (c: Context<EdgeEnv>) => {
    const view = await o.reader.read(scanLimit(c.req.query('scan_limit')));
    return c.json({
      answered_by: o.instanceId,
      revision: view.revision,
      time: new Date(view.now).toISOString(),
      nodes: view.nodes.map(({ node, usage }) => ({
        instance_id: node.instance_id,
        http_url: node.http_url,
        grpc_addr: node.grpc_addr,
        backends: node.backends,
        started: rfc3339Seconds(node.started),
        up_seconds: Math.max(0, Math.floor((view.now - node.started) / 1000)),
        // The age of the lease that holds the node's record (it restarts when the node
        // re-registers after losing it); the start time when the record predates the field.
        lease_seconds: Math.max(0, Math.floor((view.now - (node.leased ?? node.started)) / 1000)),
        ...usageJson(usage),
      })),
      dead_owners: view.dead.map((d) => ({
        instance_id: d.instance_id,
        ...usageJson(d.usage),
        paths: d.paths,
      })),
      scan: view.scan,
    });
  });
  app.all('/', () => {
    throw new MethodNotAllowedError('only GET is allowed on /v1/cluster');
  });
  return app;
}

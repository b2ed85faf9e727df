// The standard gRPC health service (grpc.health.v1.Health) of a node, saying what GET /ready
// says: SERVING while the node holds its etcd lease and its backend is writable, NOT_SERVING
// otherwise, for the whole server ("") and for callfs.v1.FileService. A Check asks the node
// afresh (load balancers poll it); Watch streams hear of changes through a periodic refresh.
import type * as grpc from '@grpc/grpc-js';
import { HealthImplementation, type ServingStatus } from 'grpc-health-check';

/** The service names the health service answers for. */
export const HEALTH_SERVICES = ['', 'callfs.v1.FileService'] as const;

export interface NodeHealthOptions {
  /** The node's readiness, as GET /ready decides it. */
  ready: () => Promise<boolean>;
  /** How often Watch streams are brought up to date (ms). */
  refreshMs?: number;
}

export interface NodeHealth {
  addToServer(server: Pick<grpc.Server, 'addService'>): void;
  /** Re-reads readiness and updates every service's status. */
  refresh(): Promise<void>;
  /** Stops the periodic refresh. */
  close(): void;
}

type Handlers = Record<string, grpc.UntypedHandleCall>;

export function createNodeHealth(o: NodeHealthOptions): NodeHealth {
  const impl = new HealthImplementation(
    Object.fromEntries(HEALTH_SERVICES.map((s) => [s, 'NOT_SERVING' as ServingStatus])),
  );
  let inFlight: Promise<void> | undefined;
  const refresh = (): Promise<void> => {
    // Concurrent checks share one readiness probe.
    inFlight ??= o
      .ready()
      .catch(() => false)
      .then((ok) => {
        for (const s of HEALTH_SERVICES) impl.setStatus(s, ok ? 'SERVING' : 'NOT_SERVING');
      })
      .finally(() => {
        inFlight = undefined;
      });
    return inFlight;
  };
  const timer = setInterval(() => void refresh(), o.refreshMs ?? 1000);
  timer.unref();
  return {
    refresh,
    close: () => clearInterval(timer),
    addToServer(server) {
      // The library answers Check from its status map; refresh the map first.
      impl.addToServer({
        addService: (definition: grpc.ServiceDefinition, handlers: Handlers) => {
          const check = handlers.check as grpc.handleUnaryCall<unknown, unknown>;
          server.addService(definition, {
            ...handlers,
            check: (
              call: grpc.ServerUnaryCall<unknown, unknown>,
              cb: grpc.sendUnaryData<unknown>,
            ) => void refresh().then(() => check(call, cb)),
          });
        },
      } as unknown as grpc.Server);
    },
  };
}

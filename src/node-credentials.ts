// The TLS credentials of the gRPC link between nodes, read from `peer`'s files: the server's
// (mutual TLS when a CA is given) and the client's; none without a certificate and key (the
// link is then plain gRPC).
import { readFileSync } from 'node:fs';
import * as grpc from '@grpc/grpc-js';
import type { Config } from './config/index.js';

export function serverCredentials(config: Config): grpc.ServerCredentials | undefined {
  const p = config.peer;
  if (!p.tls_cert_file || !p.tls_key_file) return undefined;
  return grpc.ServerCredentials.createSsl(
    p.tls_ca_file ? readFileSync(p.tls_ca_file) : null,
    [{ cert_chain: readFileSync(p.tls_cert_file), private_key: readFileSync(p.tls_key_file) }],
    // With a CA, peers must present a certificate it signed (mutual TLS).
    Boolean(p.tls_ca_file),
  );
}

export function clientCredentials(config: Config): grpc.ChannelCredentials | undefined {
  const p = config.peer;
  if (!p.tls_cert_file || !p.tls_key_file) return undefined;
  return grpc.credentials.createSsl(
    p.tls_ca_file ? readFileSync(p.tls_ca_file) : null,
    readFileSync(p.tls_key_file),
    readFileSync(p.tls_cert_file),
  );
}

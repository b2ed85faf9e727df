// Parsing of `host:port` addresses as written in the config (`:8443`, `0.0.0.0:8443`,
// `[::1]:8443`, `localhost:8443`), shared by the schema and by the servers that bind them.
import { isIPv4, isIPv6 } from 'node:net';
import { ConfigError } from './errors.js';

export interface HostPort {
  host: string;
  port: number;
}

/** The host a bare `:port` binds to. */
export const ALL_INTERFACES = '0.0.0.0';

const HOSTNAME =
  /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;

/**
 * Splits `host:port`; returns a reason instead of throwing so the schema can report it
 * against the right key. An empty host (`:8443`) is returned as `''`.
 */
export function splitHostPort(addr: string): HostPort | string {
  const colon = addr.lastIndexOf(':');
  if (colon < 0) return 'must be host:port or :port';
  const rawHost = addr.slice(0, colon);
  const rawPort = addr.slice(colon + 1);
  if (!/^\d{1,5}$/.test(rawPort) || Number(rawPort) > 65535) {
    return 'port must be a number from 0 to 65535';
  }
  const port = Number(rawPort);
  if (rawHost.startsWith('[') || rawHost.endsWith(']')) {
    const inner = rawHost.slice(1, -1);
    if (!rawHost.startsWith('[') || !rawHost.endsWith(']') || !isIPv6(inner)) {
      return 'bracketed host must be an IPv6 address, e.g. [::1]:8443';
    }
    return { host: inner, port };
  }
  if (rawHost === '') return { host: '', port };
  if (rawHost.includes(':')) return 'an IPv6 host must be in brackets, e.g. [::1]:8443';
  if (isIPv4(rawHost)) return { host: rawHost, port };
  if (/^[\d.]+$/.test(rawHost) || !HOSTNAME.test(rawHost)) {
    return `"${rawHost}" is not a valid IPv4 address or host name`;
  }
  return { host: rawHost, port };
}

/** Parses a listen address; `:8443` means all interfaces. Throws ConfigError when invalid. */
export function parseListenAddr(addr: string): HostPort {
  const parsed = splitHostPort(addr);
  if (typeof parsed === 'string') {
    throw new ConfigError([`invalid listen address "${addr}": ${parsed}`]);
  }
  return { host: parsed.host === '' ? ALL_INTERFACES : parsed.host, port: parsed.port };
}

/** Whether binding to this host accepts connections on every interface. */
export function isWildcardHost(host: string): boolean {
  return host === '' || host === ALL_INTERFACES || host === '::';
}

/** `host:port`, with IPv6 hosts in brackets, as used in URLs and gRPC targets. */
export function formatHostPort(host: string, port: number): string {
  return `${host.includes(':') ? `[${host}]` : host}:${port}`;
}

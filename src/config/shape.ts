// The shape of a CallFS node's configuration as the rest of the code consumes it: every key
// present, defaults and derived values (external_url, advertise_addr) filled in. The schema
// (schema.ts) validates raw input into it; parse.ts fills in what depends on other keys.

/** The canned ACLs an object may be written with (backend.s3_acl). */
export const S3_ACLS = [
  'private',
  'public-read',
  'public-read-write',
  'authenticated-read',
  'bucket-owner-read',
  'bucket-owner-full-control',
] as const;

export type S3Acl = (typeof S3_ACLS)[number];

export interface Config {
  server: {
    listen_addr: string;
    external_url: string;
    max_body_bytes: number;
    small_body_bytes: number;
    request_idle_timeout_ms: number;
    tls_cert_file?: string;
    tls_key_file?: string;
  };
  peer: {
    listen_addr: string;
    advertise_addr: string;
    chunk_size_bytes: number;
    flow_control_window_bytes: number;
    ready_timeout_ms: number;
    keepalive_time_ms: number;
    write_idle_timeout_ms: number;
    tls_cert_file?: string;
    tls_key_file?: string;
    tls_ca_file?: string;
  };
  auth: {
    api_keys: string[];
    /** user -> key */
    api_key_users: Record<string, string>;
    internal_proxy_secret: string;
    single_use_link_secret: string;
  };
  backend: {
    /** Where this node puts new files. */
    default_backend: 'localfs' | 's3';
    localfs_root_path: string;
    /** The S3 backend is configured when a bucket is named (it may serve beside localfs). */
    s3_bucket_name?: string;
    s3_region: string;
    /** A custom endpoint (MinIO, s3rver...): path-style addressing. */
    s3_endpoint?: string;
    s3_access_key?: string;
    s3_secret_key?: string;
    s3_server_side_encryption?: 'AES256' | 'aws:kms';
    s3_kms_key_id?: string;
    s3_acl?: S3Acl;
  };
  metadata_store: {
    type: 'etcd';
    etcd_endpoints: string[];
    etcd_prefix: string;
    etcd_username?: string;
    etcd_password?: string;
    lease_ttl_seconds: number;
    adopt_jobs_after_ms: number;
    request_timeout_ms: number;
    /** Serve warm inode and membership reads from a watch-fed cache. */
    cache_enabled: boolean;
    /** The most inodes that cache holds (least recently used ones are dropped). */
    cache_max_entries: number;
  };
  instance_discovery: { instance_id: string };
  links: {
    generate_rate_per_second: number;
    generate_burst: number;
    download_rate_per_second: number;
    download_burst: number;
  };
  log: {
    level: 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal' | 'silent';
    format: 'json' | 'text';
  };
}

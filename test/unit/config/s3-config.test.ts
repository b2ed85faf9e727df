// The S3 backend keys, as CallFS names them, from files and from the environment.
import { expect } from 'chai';
import { loadConfig, parseConfig } from '../../../src/config/index.js';
import { INTERNAL, KEY_A, LINK, minimalRaw, thrown } from './fixtures.js';

function withBackend(backend: Record<string, unknown>): Record<string, unknown> {
  return { ...minimalRaw(), backend };
}

const REQUIRED_ENV = {
  CALLFS_INSTANCE_DISCOVERY__INSTANCE_ID: 'env-node',
  CALLFS_AUTH__API_KEYS: KEY_A,
  CALLFS_AUTH__INTERNAL_PROXY_SECRET: INTERNAL,
  CALLFS_AUTH__SINGLE_USE_LINK_SECRET: LINK,
};

describe('S3 backend configuration', () => {
  it('should accept every S3 key without a warning when they are given', () => {
    const { config, warnings } = parseConfig(
      withBackend({
        default_backend: 's3',
        s3_bucket_name: 'my-bucket',
        s3_region: 'eu-west-1',
        s3_endpoint: 'http://127.0.0.1:9000',
        s3_access_key: 'AKIAEXAMPLE',
        s3_secret_key: 'secret-example',
        s3_server_side_encryption: 'aws:kms',
        s3_kms_key_id: 'key-1',
        s3_acl: 'private',
      }),
    );
    expect([config.backend.default_backend, config.backend.s3_bucket_name, warnings]).to.deep.equal(
      ['s3', 'my-bucket', []],
    );
  });

  it('should refuse default_backend s3 naming s3_bucket_name when no bucket is given', () => {
    const err = thrown(() => parseConfig(withBackend({ default_backend: 's3' })));
    expect(err.message).to.contain('backend.s3_bucket_name');
  });

  it('should refuse a secret key naming s3_access_key when the access key is missing', () => {
    const err = thrown(() =>
      parseConfig(withBackend({ s3_bucket_name: 'b-1', s3_secret_key: 'x' })),
    );
    expect(err.message).to.contain('backend.s3_access_key');
  });

  it('should refuse an unknown backend when default_backend names one', () => {
    const err = thrown(() => parseConfig(withBackend({ default_backend: 'gcs' })));
    expect(err.message).to.contain('backend.default_backend');
  });

  it('should take the bucket from CALLFS_BACKEND__S3_BUCKET_NAME when it is set', () => {
    const env = { ...REQUIRED_ENV, CALLFS_BACKEND__S3_BUCKET_NAME: 'env-bucket' };
    expect(loadConfig({ env }).config.backend.s3_bucket_name).to.equal('env-bucket');
  });

  it("should take CallFS's CALLFS_BACKEND_S3_ACCESS_KEY when it is set", () => {
    const env = {
      ...REQUIRED_ENV,
      CALLFS_BACKEND_S3_BUCKET_NAME: 'env-bucket',
      CALLFS_BACKEND_S3_ACCESS_KEY: 'AKIAENV',
      CALLFS_BACKEND_S3_SECRET_KEY: 'env-secret',
    };
    expect(loadConfig({ env }).config.backend).to.include({
      s3_bucket_name: 'env-bucket',
      s3_access_key: 'AKIAENV',
      s3_secret_key: 'env-secret',
    });
  });
});

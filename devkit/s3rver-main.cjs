// The s3rver process behind devkit/s3rver.ts and scripts/s3.sh: s3rver 3.7.1 on one loopback
// port, its data in one folder, one bucket created, and the given access key registered
// through s3rver's account model (it otherwise knows only S3RVER/S3RVER). Prints one line
// `listening <port>` once it serves; stops cleanly on SIGTERM.
// Usage: node s3rver-main.cjs <port> <dir> <bucket> <access key> <secret key>
'use strict';
const S3rver = require('s3rver');
const { DUMMY_ACCOUNT } = require('s3rver/lib/models/account');

async function main() {
  const [port, directory, bucket, accessKey, secretKey] = process.argv.slice(2);
  if (!port || !directory || !bucket || !accessKey || !secretKey) {
    console.error('usage: s3rver-main.cjs <port> <dir> <bucket> <access key> <secret key>');
    process.exit(2);
  }
  DUMMY_ACCOUNT.createKeyPair(accessKey, secretKey);
  const server = new S3rver({
    address: '127.0.0.1',
    port: Number(port),
    directory,
    silent: true,
    vhostBuckets: false,
    configureBuckets: [{ name: bucket }],
  });
  const addr = await server.run();
  console.log(`listening ${addr.port}`);
  const stop = () => {
    server.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});

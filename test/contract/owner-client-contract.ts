// The behaviour every OwnerClient must show, run against each implementation (the in-process
// reference client and the gRPC client against a real server): a call reaches the owner's files
// service as the original caller, marked as forwarded; bodies cross byte for byte both ways;
// write sessions keep the Ready-then-body protocol; domain errors keep their class and code.
import { randomBytes } from 'node:crypto';
import { expect } from 'chai';
import {
  AlreadyExistsError,
  NotAFileError,
  NotFoundError,
  PayloadTooLargeError,
  PermissionDeniedError,
  WrongOwnerError,
} from '../../src/files/errors.js';
import type { FilesApi, NodeRecord, OwnerClient } from '../../src/files/ports.js';
import {
  bodyOf,
  caller,
  chunked,
  fakeCluster,
  MiB,
  readFile,
  readStream,
  rejection,
  sha256,
  writeFile,
  type FakeCluster,
  type FakeNode,
} from '../support/fakes.js';
import { waitFor } from './metadata-contract.js';

export const OWNER_ID = 'owner-node';
/** Another node of the owner's cluster; it owns FOREIGN_PATH. */
export const OTHER_ID = 'other-node';
/** The owner's body limit. */
export const OWNER_MAX_BODY_BYTES = 4 * MiB;
/** The file every fixture's owner holds, created by SEED.user. */
export const SEED = {
  path: '/seed/report.bin',
  bytes: randomBytes(150 * 1024 + 3),
  user: 'alice',
} as const;
/** A file the owner's namespace knows but another node owns. */
export const FOREIGN_PATH = '/elsewhere/theirs.txt';

export interface OwnerClientFixture {
  client: OwnerClient;
  /** The owner's membership record, as a node calling it would read it. */
  owner: NodeRecord;
  /** The owner's files service, built with `seededOwner()`. */
  ownerFiles: FilesApi;
  cleanup(): Promise<void>;
}

/**
 * The owner every fixture serves: a FilesService on memory fakes whose cluster also has
 * OTHER_ID, with SEED on the owner and FOREIGN_PATH on the other node.
 */
export async function seededOwner(): Promise<{ cluster: FakeCluster; node: FakeNode }> {
  const cluster = await fakeCluster([OWNER_ID, OTHER_ID], { maxBodyBytes: OWNER_MAX_BODY_BYTES });
  const node = cluster.node(OWNER_ID);
  await writeFile(node.files, caller(SEED.user), SEED.path, SEED.bytes, 'WRITE_MODE_CREATE_ONLY');
  await writeFile(cluster.node(OTHER_ID).files, caller('bob'), FOREIGN_PATH, 'theirs');
  return { cluster, node };
}

const REPLACE = 'WRITE_MODE_CREATE_OR_REPLACE';
const CREATE_ONLY = 'WRITE_MODE_CREATE_ONLY';

export function ownerClientContract(name: string, make: () => Promise<OwnerClientFixture>): void {
  describe(`OwnerClient contract: ${name}`, function () {
    this.timeout(20_000);
    let f: OwnerClientFixture;
    const alice = caller(SEED.user);
    const bob = caller('bob');

    beforeEach(async () => {
      f = await make();
    });
    afterEach(async () => {
      await f.cleanup();
    });

    describe('stat', () => {
      it("should return the owner's FileInfo when the file exists", async () => {
        const expected = await f.ownerFiles.stat(alice, SEED.path);
        expect(await f.client.stat(f.owner, alice, SEED.path)).to.deep.equal(expected);
      });

      it('should reject with NotFoundError when the path does not exist', async () => {
        const err = await rejection(f.client.stat(f.owner, alice, '/missing.txt'));
        expect(err).to.be.instanceOf(NotFoundError);
        expect((err as NotFoundError).code).to.equal('FILE_NOT_FOUND');
      });

      it('should reject with WrongOwnerError naming the real owner when the owner does not own the path', async () => {
        const err = await rejection(f.client.stat(f.owner, alice, FOREIGN_PATH));
        expect(err).to.be.instanceOf(WrongOwnerError);
        expect((err as WrongOwnerError).instanceId).to.equal(OTHER_ID);
      });
    });

    describe('read', () => {
      it('should stream the exact bytes when the seeded file is read', async () => {
        const { body } = await f.client.read(f.owner, alice, SEED.path);
        expect(sha256(await readStream(body))).to.equal(sha256(SEED.bytes));
      });

      it('should report the served size and owner when a file is read', async () => {
        const { info, body } = await f.client.read(f.owner, bob, SEED.path);
        body.destroy();
        expect(info.size).to.equal(SEED.bytes.length);
        expect(info.instance_id).to.equal(OWNER_ID);
      });

      it('should stream every byte when a 3 MiB binary file is read', async () => {
        const data = randomBytes(3 * MiB + 11);
        await writeFile(f.ownerFiles, alice, '/big/read.bin', data);
        const { body } = await f.client.read(f.owner, alice, '/big/read.bin');
        expect(sha256(await readStream(body))).to.equal(sha256(data));
      });

      it('should serve an empty body of size 0 when a 0-byte file is read', async () => {
        await writeFile(f.ownerFiles, alice, '/empty.bin', Buffer.alloc(0));
        const { info, body } = await f.client.read(f.owner, alice, '/empty.bin');
        expect(info.size).to.equal(0);
        expect((await readStream(body)).length).to.equal(0);
      });

      it('should reject with NotFoundError when the file does not exist', async () => {
        expect(await rejection(f.client.read(f.owner, alice, '/nope.bin'))).to.be.instanceOf(
          NotFoundError,
        );
      });

      it('should reject with NotAFileError when the path is a directory', async () => {
        const err = await rejection(f.client.read(f.owner, alice, '/seed'));
        expect(err).to.be.instanceOf(NotAFileError);
        expect((err as NotAFileError).code).to.equal('NOT_A_FILE');
      });
    });

    describe('openWrite', () => {
      it('should open a session with exists=true when the file exists', async () => {
        const session = await f.client.openWrite(f.owner, alice, {
          path: SEED.path,
          write_mode: REPLACE,
          expected_size: 3,
        });
        await session.abort();
        expect(session.exists).to.equal(true);
      });

      it('should replace the bytes when write() is sent to an existing file', async () => {
        const session = await f.client.openWrite(f.owner, alice, {
          path: SEED.path,
          write_mode: REPLACE,
          expected_size: 7,
        });
        const result = await session.write(bodyOf('new', ' v2!'));
        expect(result.created).to.equal(false);
        expect((await readFile(f.ownerFiles, alice, SEED.path)).toString()).to.equal('new v2!');
      });

      it('should keep every byte when a 3 MiB binary body is written', async () => {
        const data = randomBytes(3 * MiB + 5);
        const session = await f.client.openWrite(f.owner, alice, {
          path: '/big/write.bin',
          write_mode: CREATE_ONLY,
          expected_size: data.length,
        });
        await session.write(chunked(data, 100_000));
        expect(sha256(await readFile(f.ownerFiles, alice, '/big/write.bin'))).to.equal(
          sha256(data),
        );
      });

      it('should open a session with exists=false and report created when the path is new', async () => {
        const session = await f.client.openWrite(f.owner, alice, {
          path: '/new.txt',
          write_mode: CREATE_ONLY,
          expected_size: 2,
        });
        const result = await session.write(bodyOf('hi'));
        expect(session.exists).to.equal(false);
        expect(result.created).to.equal(true);
      });

      it('should create the file owned by the original caller when the client creates it', async () => {
        const session = await f.client.openWrite(f.owner, caller('carol'), {
          path: '/carol/notes.txt',
          write_mode: CREATE_ONLY,
          expected_size: -1,
        });
        await session.write(bodyOf('mine'));
        const info = await f.ownerFiles.stat(alice, '/carol/notes.txt');
        expect(info.owner).to.equal('carol');
        expect(info.instance_id).to.equal(OWNER_ID);
      });

      it('should reject with AlreadyExistsError naming the owner when create-only hits an existing file', async () => {
        const err = await rejection(
          f.client.openWrite(f.owner, alice, {
            path: SEED.path,
            write_mode: CREATE_ONLY,
            expected_size: 1,
          }),
        );
        expect(err).to.be.instanceOf(AlreadyExistsError);
        expect((err as AlreadyExistsError).code).to.equal('FILE_ALREADY_EXISTS');
        expect((err as AlreadyExistsError).existing?.instanceId).to.equal(OWNER_ID);
      });

      it('should reject with PermissionDeniedError when another user overwrites the file', async () => {
        const err = await rejection(
          f.client.openWrite(f.owner, bob, {
            path: SEED.path,
            write_mode: REPLACE,
            expected_size: 1,
          }),
        );
        expect(err).to.be.instanceOf(PermissionDeniedError);
        expect((err as PermissionDeniedError).code).to.equal('PERMISSION_DENIED');
      });

      it("should let the admin user overwrite another user's file when root writes", async () => {
        const session = await f.client.openWrite(f.owner, caller('root'), {
          path: SEED.path,
          write_mode: REPLACE,
          expected_size: -1,
        });
        await session.write(bodyOf('by root'));
        expect((await readFile(f.ownerFiles, alice, SEED.path)).toString()).to.equal('by root');
      });

      it("should reject with PayloadTooLargeError when the declared size exceeds the owner's limit", async () => {
        const err = await rejection(
          f.client.openWrite(f.owner, alice, {
            path: '/too-big.bin',
            write_mode: CREATE_ONLY,
            expected_size: OWNER_MAX_BODY_BYTES + 1,
          }),
        );
        expect(err).to.be.instanceOf(PayloadTooLargeError);
        expect((err as PayloadTooLargeError).code).to.equal('PAYLOAD_TOO_LARGE');
      });

      it("should reject write() with PayloadTooLargeError when the streamed body exceeds the owner's limit", async () => {
        const session = await f.client.openWrite(f.owner, alice, {
          path: SEED.path,
          write_mode: REPLACE,
          expected_size: -1,
        });
        const err = await rejection(session.write(chunked(Buffer.alloc(OWNER_MAX_BODY_BYTES + 1))));
        expect(err).to.be.instanceOf(PayloadTooLargeError);
      });

      it('should keep the old content when an oversized body is refused', async () => {
        const session = await f.client.openWrite(f.owner, alice, {
          path: SEED.path,
          write_mode: REPLACE,
          expected_size: -1,
        });
        await rejection(session.write(chunked(Buffer.alloc(OWNER_MAX_BODY_BYTES + 1, 7))));
        expect(sha256(await readFile(f.ownerFiles, alice, SEED.path))).to.equal(sha256(SEED.bytes));
      });

      it('should leave the old content when an opened write is aborted', async () => {
        const session = await f.client.openWrite(f.owner, alice, {
          path: SEED.path,
          write_mode: REPLACE,
          expected_size: 5,
        });
        await session.abort();
        expect(sha256(await readFile(f.ownerFiles, alice, SEED.path))).to.equal(sha256(SEED.bytes));
      });

      it('should leave the old content when abort() is called while the body streams', async () => {
        const session = await f.client.openWrite(f.owner, alice, {
          path: SEED.path,
          write_mode: REPLACE,
          expected_size: -1,
        });
        let release!: () => void;
        const gate = new Promise<void>((resolve) => (release = resolve));
        let firstSent!: () => void;
        const sent = new Promise<void>((resolve) => (firstSent = resolve));
        const body = async function* (): AsyncGenerator<Buffer> {
          yield Buffer.from('partial ');
          firstSent();
          await gate;
          yield Buffer.from('content');
        };
        const writing = session.write(body()).then(
          () => 'committed',
          () => 'failed',
        );
        await sent;
        const aborting = session.abort();
        release();
        await aborting;
        expect(await writing).to.equal('failed');
        expect(sha256(await readFile(f.ownerFiles, alice, SEED.path))).to.equal(sha256(SEED.bytes));
      });

      it('should release the path when an opened create is aborted', async () => {
        const session = await f.client.openWrite(f.owner, alice, {
          path: '/aborted.txt',
          write_mode: CREATE_ONLY,
          expected_size: 5,
        });
        await session.abort();
        // A transport may release the owner's claim just after abort() returns.
        await waitFor('the aborted claim to be released', async () => {
          await writeFile(f.ownerFiles, alice, '/aborted.txt', 'again', CREATE_ONLY);
          return true;
        });
        expect((await readFile(f.ownerFiles, alice, '/aborted.txt')).toString()).to.equal('again');
      });
    });

    describe('remove', () => {
      it('should delete the file when its owner removes it', async () => {
        await f.client.remove(f.owner, alice, SEED.path);
        expect(await rejection(f.ownerFiles.stat(alice, SEED.path))).to.be.instanceOf(
          NotFoundError,
        );
      });

      it('should reject with PermissionDeniedError when another user removes the file', async () => {
        const err = await rejection(f.client.remove(f.owner, bob, SEED.path));
        expect(err).to.be.instanceOf(PermissionDeniedError);
        expect((await f.ownerFiles.stat(alice, SEED.path)).size).to.equal(SEED.bytes.length);
      });

      it('should reject with NotFoundError when the file does not exist', async () => {
        const err = await rejection(f.client.remove(f.owner, alice, '/never.txt'));
        expect(err).to.be.instanceOf(NotFoundError);
        expect((err as NotFoundError).code).to.equal('FILE_NOT_FOUND');
      });
    });

    describe('stageFile', () => {
      it('should answer a write id of its own when each of two files is staged', async () => {
        // The mover names this id in the inode it switches: the target's start-up recovery
        // keeps staged bytes only when etcd names their write id.
        const stage = (stageId: string) =>
          f.client.stageFile(
            f.owner,
            { stageId, path: '/staged/f.bin', gen: 2, size: 2 },
            bodyOf('hi'),
          );
        const ids = [await stage('st-a'), await stage('st-b')];
        await f.ownerFiles.finishStaged('st-a', false);
        await f.ownerFiles.finishStaged('st-b', false);
        expect(new Set(ids).size, `${ids.join(', ')}`).to.equal(2);
        expect(ids.every((id) => id.length > 0)).to.equal(true);
      });
    });
  });
}

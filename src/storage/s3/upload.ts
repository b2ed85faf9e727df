// Streams a body into one S3 object in bounded memory. A body that ends within the first part
// is sent with one PutObject; a longer one becomes a multipart upload whose id is handed to
// `onUploadId` (to be journaled) before any part is sent, with at most two parts in flight.
// The body is counted against `maxBytes` as it arrives; any failure or abort aborts the upload.
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  PutObjectCommand,
  UploadPartCommand,
  type CompletedPart,
  type S3Client,
} from '@aws-sdk/client-s3';
import { Readable, addAbortSignal } from 'node:stream';
import { PayloadTooLargeError } from '../../files/errors.js';
import { isMissing, isUnsupported } from './client.js';

/** 8 MiB parts: above S3's 5 MiB minimum, and 10,000 of them hold 78 GiB. */
export const PART_BYTES = 8 * 1024 * 1024;
const PARTS_IN_FLIGHT = 2;

/** What every object written carries (bucket, key, type, encryption, ACL, metadata). */
export interface ObjectParams {
  Bucket: string;
  Key: string;
  ContentType: string;
  ServerSideEncryption?: 'AES256' | 'aws:kms' | 'aws:kms:dsse';
  SSEKMSKeyId?: string;
  ACL?:
    | 'private'
    | 'public-read'
    | 'public-read-write'
    | 'authenticated-read'
    | 'bucket-owner-read'
    | 'bucket-owner-full-control';
  Metadata?: Record<string, string>;
}

export interface UploadOptions {
  maxBytes: number;
  signal: AbortSignal;
  /** Called with a multipart upload's id before its first part is sent. */
  onUploadId: (uploadId: string) => Promise<void>;
  partBytes?: number;
}

/** Uploads `body` as `params.Key`; resolves with its size once the object exists. */
export async function uploadObject(
  client: S3Client,
  params: ObjectParams,
  body: AsyncIterable<Buffer>,
  o: UploadOptions,
): Promise<number> {
  const partBytes = o.partBytes ?? PART_BYTES;
  const source = addAbortSignal(o.signal, Readable.from(body, { objectMode: false }));
  source.on('error', () => undefined);
  const pending: Buffer[] = [];
  let pendingBytes = 0;
  let total = 0;
  let uploadId: string | undefined;
  const parts: CompletedPart[] = [];
  const inFlight = new Set<Promise<void>>();
  let failure: unknown;
  let sent = 0;

  // Each part is copied once, into one of PARTS_IN_FLIGHT buffers reused for the whole upload
  // (a part is copied only once one is back from the wire): a fresh 8 MiB buffer per part, or
  // two copies of it, leave garbage that V8 collects only under external-memory pressure,
  // over a hundred MiB of resident memory per upload.
  const free: Buffer[] = [];
  const takePart = (bytes: number): Buffer => {
    const part = free.pop() ?? Buffer.allocUnsafeSlow(partBytes);
    let filled = 0;
    while (filled < bytes) {
      const head = pending[0]!;
      const n = head.copy(part, filled, 0, Math.min(head.length, bytes - filled));
      filled += n;
      if (n === head.length) pending.shift();
      else pending[0] = head.subarray(n);
    }
    pendingBytes -= bytes;
    return part;
  };

  const sendPart = (part: Buffer, bytes: number, partNumber: number): void => {
    const id = uploadId as string;
    const data = part.subarray(0, bytes);
    const sending = client
      .send(
        new UploadPartCommand({
          Bucket: params.Bucket,
          Key: params.Key,
          UploadId: id,
          PartNumber: partNumber,
          Body: data,
          ContentLength: data.length,
        }),
        { abortSignal: o.signal },
      )
      .then(
        (res) => {
          parts.push({ PartNumber: partNumber, ETag: res.ETag });
          // The part's request is answered: nothing reads its buffer any more.
          free.push(part);
        },
        (err: unknown) => {
          failure ??= err;
        },
      )
      .finally(() => inFlight.delete(sending));
    inFlight.add(sending);
  };

  /** Sends the next `bytes` of `pending` (a whole part, or the last one) as a part. */
  const flushPart = async (bytes: number): Promise<void> => {
    if (uploadId === undefined) {
      const created = await client.send(new CreateMultipartUploadCommand(params), {
        abortSignal: o.signal,
      });
      uploadId = created.UploadId as string;
      await o.onUploadId(uploadId);
    }
    // Backpressure: the body is not read further while PARTS_IN_FLIGHT parts are on the wire.
    while (inFlight.size >= PARTS_IN_FLIGHT) await Promise.race(inFlight);
    if (failure) throw failure;
    sent += 1;
    sendPart(takePart(bytes), bytes, sent);
  };

  try {
    for await (const chunk of source) {
      const buf = chunk as Buffer;
      total += buf.length;
      if (total > o.maxBytes) {
        throw new PayloadTooLargeError(`body is larger than the ${o.maxBytes}-byte limit`);
      }
      pending.push(buf);
      pendingBytes += buf.length;
      // Parts of exactly partBytes: only the last one of an upload may be smaller.
      while (pendingBytes >= partBytes) await flushPart(partBytes);
    }
    if (uploadId === undefined) {
      const data = Buffer.concat(pending, pendingBytes);
      await client.send(
        new PutObjectCommand({ ...params, Body: data, ContentLength: data.length }),
        { abortSignal: o.signal },
      );
      return total;
    }
    if (pendingBytes > 0) await flushPart(pendingBytes);
    await Promise.all(inFlight);
    if (failure) throw failure;
    parts.sort((a, b) => (a.PartNumber ?? 0) - (b.PartNumber ?? 0));
    await client.send(
      new CompleteMultipartUploadCommand({
        Bucket: params.Bucket,
        Key: params.Key,
        UploadId: uploadId,
        MultipartUpload: { Parts: parts },
      }),
      { abortSignal: o.signal },
    );
    return total;
  } catch (err) {
    source.destroy();
    await Promise.allSettled(inFlight);
    // Best effort: the journal still names the upload, and discarding the temp aborts it again.
    if (uploadId !== undefined) await abortUpload(client, params, uploadId).catch(() => undefined);
    throw err;
  }
}

/** Aborts a multipart upload; one already gone (completed or aborted) is fine. */
export async function abortUpload(
  client: S3Client,
  params: { Bucket: string; Key: string },
  uploadId: string,
): Promise<void> {
  try {
    await client.send(
      new AbortMultipartUploadCommand({
        Bucket: params.Bucket,
        Key: params.Key,
        UploadId: uploadId,
      }),
    );
  } catch (err) {
    // s3rver implements no AbortMultipartUpload (405): its parts stay in its own folder, and
    // no key ever names them. Real S3 answers NoSuchUpload for one completed or aborted.
    if (!isMissing(err) && !isUnsupported(err)) throw err;
  }
}

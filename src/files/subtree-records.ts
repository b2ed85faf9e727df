// Reading a whole subtree of the namespace: page after page of `scanSubtree`, every page at the
// revision of the first, so the caller sees one snapshot however large the tree is and however
// long it takes over each record. Breaking out of the loop stops the reads.
import type { InodeRecord, Metadata } from './ports.js';

export async function* subtreeRecords(
  metadata: Pick<Metadata, 'scanSubtree'>,
  dir: string,
  pageSize: number,
): AsyncGenerator<InodeRecord> {
  let from: string | undefined;
  let revision: string | undefined;
  do {
    const page = await metadata.scanSubtree(dir, { limit: pageSize, from, revision });
    yield* page.records;
    ({ next: from, revision } = page);
  } while (from !== undefined);
}

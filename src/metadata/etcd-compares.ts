// The etcd transaction compares every namespace commit is built from: a key absent, a key
// unchanged since read, a key range empty. Shared by the single-inode commits and the bulk
// subtree operations so both fence the same way.
import { CompareResult, CompareTarget, type ICompare } from 'etcd3';

/** Holds exactly when the key does not exist (version 0). */
export function absent(key: Buffer): ICompare {
  return { key, target: CompareTarget.Version, result: CompareResult.Equal, version: 0 };
}

/** etcd treats an empty range as one key of version 0: this holds exactly when none exists. */
export function noKeysIn(key: Buffer, rangeEnd: Buffer): ICompare {
  return {
    key,
    range_end: rangeEnd,
    target: CompareTarget.Version,
    result: CompareResult.Equal,
    version: 0,
  };
}

export function unchanged(key: Buffer, revision: string): ICompare {
  return { key, target: CompareTarget.Mod, result: CompareResult.Equal, mod_revision: revision };
}

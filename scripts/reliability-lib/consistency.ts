// Compares etcd with the nodes' disks (read with etcdctl and directly from each storage root):
// every ready file inode must have a file of the same size at its path on its owner's disk,
// every file on a disk (outside .callfs) must have a file inode naming that node, no inode may
// be left in state "writing", and no temp file may be left in `.callfs/tmp/`.
import { type DevCluster, inodeOf, pathOfKey } from './cluster.js';

export interface ConsistencyReport {
  ok: boolean;
  inodes: number;
  readyFiles: number;
  directories: number;
  diskFiles: number;
  writing: string[];
  missingOnDisk: string[];
  sizeMismatch: string[];
  orphansOnDisk: string[];
  tempFiles: string[];
  error?: string;
}

export async function checkConsistency(cluster: DevCluster): Promise<ConsistencyReport> {
  const report: ConsistencyReport = {
    ok: false,
    inodes: 0,
    readyFiles: 0,
    directories: 0,
    diskFiles: 0,
    writing: [],
    missingOnDisk: [],
    sizeMismatch: [],
    orphansOnDisk: [],
    tempFiles: [],
  };
  const kvs = await cluster.etcdGet('fs/', 10_000);
  if (!kvs) {
    report.error = 'etcdctl get failed';
    return report;
  }
  const disks = cluster.nodes.map((n) => cluster.diskFiles(n.index));
  const owners = new Map<string, string>(); // path → owner of a file inode
  for (const kv of kvs) {
    const path = pathOfKey(kv.key);
    const inode = inodeOf(kv);
    if (!path || !inode) continue;
    report.inodes += 1;
    if (inode.type === 'directory') {
      report.directories += 1;
      continue;
    }
    owners.set(path, inode.instance_id);
    if (inode.state !== 'ready') {
      report.writing.push(`${path} (${inode.state} on ${inode.instance_id})`);
      continue;
    }
    report.readyFiles += 1;
    const owner = cluster.nodes.find((n) => n.id === inode.instance_id);
    const size = owner ? disks[owner.index]?.get(path) : undefined;
    if (size === undefined) report.missingOnDisk.push(`${path} (${inode.instance_id})`);
    else if (size !== inode.size) {
      report.sizeMismatch.push(`${path}: etcd ${inode.size}, disk ${size}`);
    }
  }
  for (const n of cluster.nodes) {
    for (const path of disks[n.index]?.keys() ?? []) {
      report.diskFiles += 1;
      if (owners.get(path) !== n.id) {
        report.orphansOnDisk.push(`${path} on ${n.id} (etcd: ${owners.get(path) ?? 'none'})`);
      }
    }
    for (const t of cluster.tempFiles(n.index)) report.tempFiles.push(`${n.id}: ${t}`);
  }
  report.ok =
    report.writing.length === 0 &&
    report.missingOnDisk.length === 0 &&
    report.sizeMismatch.length === 0 &&
    report.orphansOnDisk.length === 0 &&
    report.tempFiles.length === 0;
  return report;
}

/** Markdown lines describing a consistency report. */
export function consistencyLines(r: ConsistencyReport): string[] {
  if (r.error) return [`- consistency check could not run: ${r.error}`];
  const list = (xs: string[]): string =>
    xs.length === 0
      ? '0'
      : `${xs.length}: ${xs.slice(0, 10).join('; ')}${xs.length > 10 ? ' …' : ''}`;
  return [
    `- etcd: ${r.inodes} inodes (${r.readyFiles} ready files, ${r.directories} directories); disks: ${r.diskFiles} files`,
    `- inodes in a state other than ready: ${list(r.writing)}`,
    `- ready inodes without their file on the owner's disk: ${list(r.missingOnDisk)}`,
    `- size differs between etcd and disk: ${list(r.sizeMismatch)}`,
    `- files on a disk without an inode naming that node: ${list(r.orphansOnDisk)}`,
    `- temp files left in .callfs/tmp: ${list(r.tempFiles)}`,
  ];
}

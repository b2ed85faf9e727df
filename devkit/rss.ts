// Resident memory of given processes from /proc/<pid>/status (VmRSS), sampled every 100 ms
// while a transfer runs in another process: the bench reports the peaks, tests bound them.
import { readFileSync } from 'node:fs';

export interface RssStats {
  startMB: number;
  peakMB: number;
}

export function rssMB(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : 0;
  } catch {
    return 0; // the process is gone; the transfer's failure says why
  }
}

/** Samples every intervalMs until stop() is called; returns start and peak RSS per name. */
export function sampleRss(
  pids: Record<string, number>,
  intervalMs = 100,
): { stop(): Record<string, RssStats> } {
  const stats: Record<string, RssStats> = {};
  const sample = (): void => {
    for (const [name, pid] of Object.entries(pids)) {
      const mb = rssMB(pid);
      const s = (stats[name] ??= { startMB: mb, peakMB: mb });
      s.peakMB = Math.max(s.peakMB, mb);
    }
  };
  sample();
  const timer = setInterval(sample, intervalMs);
  return {
    stop() {
      clearInterval(timer);
      sample();
      return stats;
    },
  };
}

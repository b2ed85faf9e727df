// A one-line progress bar on stderr for transfers, drawn only when stderr is a terminal (so
// scripts and `--json` output stay clean) and at most every 100 ms.

export interface Progress {
  add(bytes: number): void;
  done(): void;
}

const WIDTH = 30;

function human(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) {
    n /= 1024;
    i++;
  }
  return `${n.toFixed(i === 0 ? 0 : 1)} ${units[i]}`;
}

export function progressBar(
  label: string,
  total: number,
  start = 0,
  unit: 'bytes' | 'files' = 'bytes',
): Progress {
  const out = process.stderr;
  if (!out.isTTY) return { add: () => undefined, done: () => undefined };
  let done = start;
  let drawn = 0;
  const draw = (): void => {
    const frac = total > 0 ? Math.min(1, done / total) : 0;
    const fill = Math.round(frac * WIDTH);
    const bar = total > 0 ? `[${'#'.repeat(fill)}${'-'.repeat(WIDTH - fill)}] ` : '';
    const fmt = unit === 'bytes' ? human : (n: number) => `${n} files`;
    const of = total > 0 ? ` / ${fmt(total)}` : '';
    out.write(`\r${label} ${bar}${fmt(done)}${of}\x1b[K`);
  };
  return {
    add(bytes) {
      done += bytes;
      if (Date.now() - drawn >= 100) {
        drawn = Date.now();
        draw();
      }
    },
    done() {
      draw();
      out.write('\n');
    },
  };
}

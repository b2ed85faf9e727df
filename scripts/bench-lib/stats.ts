// Median and spread of repeated measurements: every figure of the bench is the median of its
// runs with the min–max range beside it, and a ratio is computed per run (same-run baseline)
// before its median is taken.
export interface Spread {
  median: number;
  min: number;
  max: number;
  runs: number[];
}

export function spread(values: number[]): Spread {
  const sorted = [...values].sort((a, b) => a - b);
  const n = sorted.length;
  const median =
    n === 0 ? NaN : n % 2 ? sorted[(n - 1) / 2]! : (sorted[n / 2 - 1]! + sorted[n / 2]!) / 2;
  return { median, min: sorted[0] ?? NaN, max: sorted[n - 1] ?? NaN, runs: values };
}

/** Per-run ratios a[i] / b[i]. */
export function ratios(a: number[], b: number[]): number[] {
  return a.map((v, i) => v / (b[i] ?? NaN));
}

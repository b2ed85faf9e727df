// Reads one sample of a node's metrics, for the metrics tests: the value of `name` (a counter,
// or a histogram's `_count` / `_sum`) whose labels include `labels`, or undefined.
import type { Metrics } from '../../../src/metrics/metrics.js';

export async function sample(
  metrics: Metrics,
  name: string,
  labels: Record<string, string | number> = {},
): Promise<number | undefined> {
  for (const metric of await metrics.registry.getMetricsAsJSON()) {
    for (const v of metric.values) {
      const metricName = (v as { metricName?: string }).metricName ?? metric.name;
      if (metricName !== name) continue;
      const have = v.labels as Record<string, string | number>;
      if (Object.entries(labels).every(([k, want]) => String(have[k]) === String(want))) {
        return v.value;
      }
    }
  }
  return undefined;
}

/** Every label value of one label of a metric (e.g. all `path`s of the request counter). */
export async function labelValues(
  metrics: Metrics,
  name: string,
  label: string,
): Promise<string[]> {
  const metric = (await metrics.registry.getMetricsAsJSON()).find((m) => m.name === name);
  return (metric?.values ?? []).map((v) => String((v.labels as Record<string, unknown>)[label]));
}

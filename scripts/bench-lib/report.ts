// Turns the bench's figures into Markdown: one table per section with the columns figure,
// value, baseline, ratio and command. Every value is the median of the runs with its min–max
// spread; a ratio is taken per run against the same run's baseline, then its median.
import type { Spread } from './stats.js';

export interface Row {
  figure: string;
  value: Spread;
  unit: string;
  baseline?: { label: string; value: Spread; unit: string };
  ratio?: Spread;
  command: string;
}

export interface Section {
  title: string;
  intro?: string;
  rows: Row[];
  notes?: string[];
}

const num = (v: number): string =>
  !Number.isFinite(v)
    ? '—'
    : Math.abs(v) >= 100
      ? Math.round(v).toLocaleString('en-US')
      : Math.abs(v) >= 10
        ? v.toFixed(1)
        : v.toFixed(2);

export function fmt(s: Spread, unit: string): string {
  const range = s.runs.length > 1 ? ` (${num(s.min)}–${num(s.max)})` : '';
  return `${num(s.median)} ${unit}${range}`.trim();
}

export function fmtRatio(s: Spread): string {
  const pct = (v: number): string => `${Math.round(v * 100)}%`;
  return s.runs.length > 1 ? `${pct(s.median)} (${pct(s.min)}–${pct(s.max)})` : pct(s.median);
}

export function renderSection(section: Section): string {
  const out = [`## ${section.title}`, ''];
  if (section.intro) out.push(section.intro, '');
  out.push('| Figure | Value | Baseline | Ratio | Command |', '| --- | --- | --- | --- | --- |');
  for (const r of section.rows) {
    const base = r.baseline
      ? `${fmt(r.baseline.value, r.baseline.unit)} (${r.baseline.label})`
      : '—';
    const ratio = r.ratio ? fmtRatio(r.ratio) : '—';
    const cmd = r.command.replaceAll('|', '\\|');
    out.push(`| ${r.figure} | ${fmt(r.value, r.unit)} | ${base} | ${ratio} | \`${cmd}\` |`);
  }
  if (section.notes?.length) out.push('', ...section.notes.map((n) => `- ${n}`));
  out.push('');
  return out.join('\n');
}

const SCALE_BEGIN = '<!-- scripts/bench scale: begin -->';
const SCALE_END = '<!-- scripts/bench scale: end -->';
const NOTES_BEGIN = '<!-- written by hand, kept by scripts/bench: begin -->';
const NOTES_END = '<!-- written by hand, kept by scripts/bench: end -->';

function block(existing: string, begin: string, end: string): string {
  const a = existing.indexOf(begin);
  const b = existing.indexOf(end);
  return a >= 0 && b > a ? existing.slice(a, b + end.length) + '\n' : '';
}

/** The scale block of an existing BENCHMARKS.md, kept when the main bench rewrites the file. */
export function scaleBlock(existing: string): string {
  return block(existing, SCALE_BEGIN, SCALE_END);
}

/**
 * The hand-written block (what limited each figure, the capacity model), which no bench run
 * writes and every run keeps: it reads the figures around it.
 */
export function notesBlock(existing: string): string {
  return block(existing, NOTES_BEGIN, NOTES_END);
}

/** `existing` with its scale block replaced by (or appended with) `markdown`. */
export function withScaleBlock(existing: string, markdown: string): string {
  const fresh = `${SCALE_BEGIN}\n${markdown.trim()}\n${SCALE_END}\n`;
  const old = scaleBlock(existing);
  if (old) return existing.replace(old, fresh);
  return `${existing.trimEnd()}\n\n${fresh}`;
}

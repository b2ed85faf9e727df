// The X-CallFS-* metadata headers of GET and HEAD (API.md §3), from one FileInfo.
import type { FileInfo } from '../files/ports.js';

export function isDirectory(info: FileInfo): boolean {
  return info.type === 'FILE_TYPE_DIRECTORY';
}

/** The last second formatted and its text: a file served again formats its mtime once. */
let lastSecond = NaN;
let lastText = '';

export function rfc3339Seconds(ms: number): string {
  const second = Math.trunc(ms / 1000);
  if (second === lastSecond) return lastText;
  // `YYYY-MM-DDTHH:mm:ss.000Z` less its milliseconds (years 0–9999, as the API's mtimes).
  const iso = new Date(second * 1000).toISOString();
  lastText = iso.length === 24 ? iso.slice(0, 19) + 'Z' : iso.replace('.000Z', 'Z');
  lastSecond = second;
  return lastText;
}

export function modeString(mode: number): string {
  return mode.toString(8).padStart(4, '0');
}

export function callfsHeaders(info: FileInfo): Record<string, string> {
  return {
    'X-CallFS-Type': isDirectory(info) ? 'directory' : 'file',
    'X-CallFS-Size': String(info.size),
    'X-CallFS-Mode': modeString(info.mode),
    'X-CallFS-Owner': info.owner,
    'X-CallFS-MTime': rfc3339Seconds(info.mtime_ms),
    'X-CallFS-Instance-ID': info.instance_id,
    'X-CallFS-Backend-Type': info.backend_type,
  };
}

/** The JSON entry of a listing or of a write's result. */
export function entryJson(info: FileInfo) {
  return {
    name: info.name,
    path: info.path,
    type: isDirectory(info) ? 'directory' : 'file',
    size: info.size,
    mode: modeString(info.mode),
    owner: info.owner,
    mtime: rfc3339Seconds(info.mtime_ms),
    instance_id: info.instance_id,
    backend_type: info.backend_type,
  };
}

// The part of mime-types (2.x, which ships no types) that the edge uses.
declare module 'mime-types' {
  /** The MIME type for a file name or extension, or false when unknown. */
  export function lookup(pathOrExtension: string): string | false;
}

/** Writes .br and .gz copies beside the text assets under `dir`; returns them, relative to `dir`. */
export function precompress(dir: string): string[];

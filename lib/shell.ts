/** Quotes one argument for /bin/sh unless it is made only of characters a shell never splits. */
export function shellQuote(value: string): string {
  return /^[\w@%+=:,./-]+$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`;
}

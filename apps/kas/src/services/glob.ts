// `*` globs (ci_access environments: `review/*`, `prod`) matched in time linear in pattern + text, so a
// pattern from a config can never stall the event loop (a regex from `a*a*a*…b` backtracks exponentially).
// `*` matches any run of characters, `/` included; every other character matches itself.

/** Counts character comparisons, so tests can assert the work is linear instead of timing it. */
export interface GlobWork {
  steps: number;
}

/** Where `needle` first occurs in `text` at or after `from` (Knuth–Morris–Pratt), or -1. */
function indexOfLinear(text: string, needle: string, from: number, work: GlobWork): number {
  if (needle.length === 0) return from;
  const fail = new Int32Array(needle.length);
  for (let i = 1, k = 0; i < needle.length; i++) {
    work.steps++;
    while (k > 0 && needle[i] !== needle[k]) {
      work.steps++;
      k = fail[k - 1]!;
    }
    if (needle[i] === needle[k]) k++;
    fail[i] = k;
  }
  for (let i = from, k = 0; i < text.length; i++) {
    work.steps++;
    while (k > 0 && text[i] !== needle[k]) {
      work.steps++;
      k = fail[k - 1]!;
    }
    if (text[i] === needle[k]) k++;
    if (k === needle.length) return i - needle.length + 1;
  }
  return -1;
}

/**
 * True when `text` matches `pattern`. The literal pieces between stars must appear in order: the first at the
 * start, the last at the end, the others at their leftmost place (leftmost is never worse for what follows).
 */
export function globMatches(pattern: string, text: string, work: GlobWork = { steps: 0 }): boolean {
  const pieces = pattern.split('*');
  if (pieces.length === 1) return pattern === text;
  const first = pieces[0]!;
  const last = pieces[pieces.length - 1]!;
  if (first.length + last.length > text.length) return false;
  if (!text.startsWith(first) || !text.endsWith(last)) return false;
  let at = first.length;
  const end = text.length - last.length;
  for (let i = 1; i < pieces.length - 1; i++) {
    const piece = pieces[i]!;
    const found = indexOfLinear(text, piece, at, work);
    if (found === -1 || found + piece.length > end) return false;
    at = found + piece.length;
  }
  return true;
}

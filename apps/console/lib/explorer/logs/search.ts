// Search in loaded log lines: a plain, case-insensitive substring — never a RegExp built from what the user typed
// (no ReDoS, no escaping surprises). `LogSearch` scans only lines appended since its last update, so typing or a
// busy stream costs the new lines, not all 50,000.

/** [start, end) ranges of `query` in `text`, case-insensitive; none for an empty query. */
export function matchRanges(text: string, query: string): [number, number][] {
  if (!query) return [];
  const haystack = text.toLowerCase();
  const needle = query.toLowerCase();
  // A few characters change length when lower-cased (İ → i̇); offsets would then point elsewhere in `text`.
  if (haystack.length !== text.length) return haystack.includes(needle) ? [[0, text.length]] : [];
  const ranges: [number, number][] = [];
  for (let at = haystack.indexOf(needle); at >= 0; at = haystack.indexOf(needle, at + needle.length))
    ranges.push([at, at + needle.length]);
  return ranges;
}

export function lineMatches(text: string, query: string): boolean {
  return !!query && text.toLowerCase().includes(query.toLowerCase());
}

/** The kept lines, by sequence number, as the ring exposes them. */
export interface SearchableLines {
  readonly first: number;
  readonly end: number;
  bySeq(seq: number): { text: string } | undefined;
}

export class LogSearch {
  private query = '';
  private scannedTo = 0;
  private seqs: number[] = [];

  /** The sequence numbers of matching lines, oldest first (a new array when something changed). */
  update(lines: SearchableLines, query: string): readonly number[] {
    let changed = false;
    if (query !== this.query) {
      this.query = query;
      this.seqs = [];
      this.scannedTo = lines.first;
      changed = true;
    }
    if (this.seqs.length && this.seqs[0]! < lines.first) {
      const keep = this.seqs.findIndex((seq) => seq >= lines.first);
      this.seqs = keep < 0 ? [] : this.seqs.slice(keep);
      changed = true;
    }
    if (this.query) {
      const needle = this.query.toLowerCase();
      for (let seq = Math.max(this.scannedTo, lines.first); seq < lines.end; seq++) {
        if (lines.bySeq(seq)?.text.toLowerCase().includes(needle)) {
          if (!changed) this.seqs = [...this.seqs];
          changed = true;
          this.seqs.push(seq);
        }
      }
    }
    this.scannedTo = lines.end;
    return this.seqs;
  }
}

/** The match after (direction 1) or before (-1) the current one, wrapping around; -1 when there are none. */
export function stepMatch(count: number, current: number, direction: 1 | -1): number {
  if (count === 0) return -1;
  if (current < 0 || current >= count) return direction === 1 ? 0 : count - 1;
  return (current + direction + count) % count;
}

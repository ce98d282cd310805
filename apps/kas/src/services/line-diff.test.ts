import { describe, expect, it } from 'vitest';
import { diffLines as diff, unifiedDiff, type DiffLine } from './line-diff';

const diffLines = (a: string, b: string) => diff(a, b).lines;

const apply = (lines: DiffLine[]) => ({
  old: lines.filter((l) => l.op !== '+').map((l) => l.text),
  new: lines.filter((l) => l.op !== '-').map((l) => l.text),
});

describe('diffLines', () => {
  it('marks added, removed and kept lines with their line numbers', () => {
    const d = diffLines('a\nb\nc\n', 'a\nc\nd\n');
    expect(d).toEqual([
      { op: ' ', text: 'a', oldLine: 1, newLine: 1 },
      { op: '-', text: 'b', oldLine: 2 },
      { op: ' ', text: 'c', oldLine: 3, newLine: 2 },
      { op: '+', text: 'd', newLine: 3 },
    ]);
  });

  it('handles empty sides', () => {
    expect(diffLines('', 'x\ny')).toEqual([
      { op: '+', text: 'x', newLine: 1 },
      { op: '+', text: 'y', newLine: 2 },
    ]);
    expect(diffLines('x', '')).toEqual([{ op: '-', text: 'x', oldLine: 1 }]);
    expect(diffLines('', '')).toEqual([]);
  });

  it('reconstructs both texts for random edits and stays minimal for a single change', () => {
    let seed = 7;
    const rnd = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    for (let round = 0; round < 50; round++) {
      const a = Array.from({ length: Math.floor(rnd() * 30) }, () => String(Math.floor(rnd() * 5)));
      const b = Array.from({ length: Math.floor(rnd() * 30) }, () => String(Math.floor(rnd() * 5)));
      const r = apply(diffLines(a.join('\n'), b.join('\n')));
      expect(r.old).toEqual(a);
      expect(r.new).toEqual(b);
    }
    const big = Array.from({ length: 3000 }, (_, i) => `line ${i}`);
    const changed = [...big];
    changed[1500] = 'changed';
    const d = diffLines(big.join('\n'), changed.join('\n'));
    expect(d.filter((l) => l.op !== ' ')).toHaveLength(2);
  });

  it('renders a unified diff with hunks', () => {
    const text = unifiedDiff(diffLines('a\nb\nc\nd\ne\nf\ng\nh\n', 'a\nb\nc\nD\ne\nf\ng\nh\n'), 'v1', 'v2');
    expect(text).toBe('--- v1\n+++ v2\n@@ -1,7 +1,7 @@\n a\n b\n c\n-d\n+D\n e\n f\n g\n');
    expect(unifiedDiff(diffLines('same', 'same'), 'a', 'b')).toBe('');
  });

  it('bounds the work by construction: two 128 KiB versions that share nothing', () => {
    // 65,536 two-byte lines each, every line different: a shortest edit script has 131,072 edits.
    // The unbounded search kept a trace of (n + m) numbers per edit (two 6,000-line versions:
    // +1.1 GiB and 9.4 s); now the search stops at the limits and answers a whole replacement.
    const oldText = 'a\n'.repeat(64 * 1024);
    const newText = 'b\n'.repeat(64 * 1024);
    const limits = { maxEdits: 1_000, maxSteps: 4_000_000 };
    const d = diff(oldText, newText, limits);
    expect(d.exact).toBe(false);
    expect(d.work.steps).toBeLessThanOrEqual(limits.maxSteps + 1);
    expect(d.work.traceCells).toBeLessThanOrEqual((limits.maxEdits + 1) ** 2);
    const r = apply(d.lines);
    expect(r.old).toHaveLength(64 * 1024);
    expect(r.new.every((l) => l === 'b')).toBe(true);
  });

  it('stops on the step budget when a few edits hide among long equal runs', () => {
    // Interleaved lines make every diagonal long: the step bound, not the edit bound, stops it.
    const a = Array.from({ length: 20_000 }, (_, i) => (i % 2 ? 'x' : `a${i}`)).join('\n');
    const b = Array.from({ length: 20_000 }, (_, i) => (i % 2 ? `b${i}` : 'x')).join('\n');
    const limits = { maxEdits: 100_000, maxSteps: 200_000 };
    const d = diff(a, b, limits);
    expect(d.exact).toBe(false);
    expect(d.work.steps).toBeLessThanOrEqual(limits.maxSteps + 1);
    const r = apply(d.lines);
    expect(r.old.join('\n')).toBe(a);
    expect(r.new.join('\n')).toBe(b);
  });

  it('stays exact for typical edits and trims the common ends without searching', () => {
    const big = Array.from({ length: 6_000 }, (_, i) => `line ${i}`);
    const changed = [...big];
    changed.splice(3000, 10, 'new');
    const d = diff(big.join('\n'), changed.join('\n'));
    expect(d.exact).toBe(true);
    expect(d.lines.filter((l) => l.op !== ' ')).toHaveLength(11);
    expect(d.work.traceCells).toBeLessThanOrEqual(12 ** 2);
  });
});

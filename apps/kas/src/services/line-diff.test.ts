import { describe, expect, it } from 'vitest';
import { diffLines, unifiedDiff } from './line-diff';

const apply = (lines: ReturnType<typeof diffLines>) => ({
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
});

import { describe, expect, it } from 'vitest';

import { lineDiff } from './line-diff';

describe('lineDiff', () => {
  it('marks changed lines as removed then added and keeps the rest', () => {
    const diff = lineDiff('a\nb\nc', 'a\nB\nc\nd');
    expect(diff.map((d) => `${d.kind[0]}${d.text}`)).toEqual(['sa', 'rb', 'aB', 'sc', 'ad']);
    expect(diff.find((d) => d.text === 'd')).toMatchObject({ newLine: 4, oldLine: null });
  });

  it('returns only same lines for equal texts', () => {
    expect(lineDiff('x\ny', 'x\ny').every((d) => d.kind === 'same')).toBe(true);
  });
});

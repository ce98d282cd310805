import { describe, expect, it } from 'vitest';
import { globMatches } from './glob';

describe('globMatches', () => {
  it.each([
    ['prod', 'prod', true],
    ['prod', 'production', false],
    ['review/*', 'review/feat-1', true],
    ['review/*', 'review/', true],
    ['review/*', 'reviewer/x', false],
    ['*', '', true],
    ['*', 'any/thing', true],
    ['*-prod', 'eu-prod', true],
    ['*-prod', 'eu-production', false],
    ['a*b*c', 'abc', true],
    ['a*b*c', 'aXbYbZc', true],
    ['a*b*c', 'acb', false],
    ['ab*ba', 'aba', false],
    ['a*a', 'a', false],
    ['**', 'x', true],
    ['a.b', 'aXb', false],
    ['a+(b)', 'a+(b)', true],
    ['x*aab', 'xaaab', true],
    ['*abcabd*', 'abcabcabd', true],
  ])('%s against %s is %s', (pattern, text, expected) => {
    expect(globMatches(pattern, text)).toBe(expected);
  });

  it('does work linear in pattern and text for the backtracking pattern of the ReDoS report', () => {
    // As a RegExp, `^a.*a.*…b$` against 52 a's took 12 s of kas's event loop (exponential backtracking).
    // Count the matcher's character comparisons instead of timing it: KMP compares each text character
    // a bounded number of times, so the work stays within a small multiple of pattern + text.
    for (const n of [52, 255, 10_000]) {
      const pattern = `${'a*'.repeat(60)}b`;
      const text = 'a'.repeat(n);
      const work = { steps: 0 };
      expect(globMatches(pattern, text, work)).toBe(false);
      expect(work.steps).toBeLessThanOrEqual(3 * (pattern.length + text.length));
      const almost = { steps: 0 };
      expect(globMatches(`${'a*'.repeat(20)}ab`, `${text}ab`, almost)).toBe(n >= 20);
      expect(almost.steps).toBeLessThanOrEqual(3 * (pattern.length + text.length + 4));
    }
  });
});

import { describe, expect, it } from 'vitest';
import { matchesLabels, parseLabelSelector } from './label-selector';

const parse = (text: string) => {
  const parsed = parseLabelSelector(text);
  if (!parsed.ok) throw new Error(parsed.error);
  return parsed.selector;
};
const errorOf = (text: string) => {
  const parsed = parseLabelSelector(text);
  if (parsed.ok) throw new Error(`"${text}" parsed`);
  return parsed.error;
};
const matches = (text: string, labels: Record<string, string>) => matchesLabels(parse(text), labels);

describe('parseLabelSelector', () => {
  it('reads every operator of the Kubernetes syntax', () => {
    expect(parse('app=web, tier == front,env!=prod,release, !canary,zone in (a, b),size notin (xl)')).toEqual(
      [
        { op: 'equals', key: 'app', value: 'web' },
        { op: 'equals', key: 'tier', value: 'front' },
        { op: 'notEquals', key: 'env', value: 'prod' },
        { op: 'exists', key: 'release' },
        { op: 'notExists', key: 'canary' },
        { op: 'in', key: 'zone', values: ['a', 'b'] },
        { op: 'notIn', key: 'size', values: ['xl'] },
      ],
    );
    expect(parse('example.com/tier=a')).toEqual([{ op: 'equals', key: 'example.com/tier', value: 'a' }]);
    expect(parse('')).toEqual([]);
    expect(parse('app=')).toEqual([{ op: 'equals', key: 'app', value: '' }]);
  });

  it('names the position and what was expected', () => {
    expect(errorOf('app=web,')).toBe('label selector: at position 8: expected a label key, found the end');
    expect(errorOf('app web')).toMatch(
      /at position 4: expected "=", "==", "!=", "in", "notin" or "," after the key/,
    );
    expect(errorOf('zone in (a b)')).toMatch(/at position 11: expected "," or "\)" in the list of values/);
    expect(errorOf('zone in ()')).toMatch(
      /at position 9: expected a value \(a list of values may not be empty\)/,
    );
    expect(errorOf('zone in a')).toMatch(/at position 8: expected "\(" starting a list of values/);
    expect(errorOf('app=-web')).toMatch(/at position 4: expected a label value/);
    expect(errorOf('app!web')).toMatch(/at position 3: expected "!=" after the key/);
    expect(errorOf('a=b;c')).toMatch(/at position 3: expected "," between requirements, found ";c"/);
    expect(errorOf(`${'k'.repeat(64)}=v`)).toMatch(/at position 0: expected a label key like app/);
    expect(errorOf('x'.repeat(1025))).toMatch(/longer than 1024 characters/);
  });

  it('treats regular-expression characters as plain text', () => {
    expect(errorOf('app=.*')).toMatch(/expected a label value/);
    expect(errorOf('(a|b)=c')).toMatch(/at position 0: expected a label key/);
  });
});

describe('matchesLabels', () => {
  it('follows Kubernetes semantics, != and notin matching a missing label', () => {
    const labels = { app: 'web', zone: 'a' };
    expect(matches('app=web,zone in (a,b)', labels)).toBe(true);
    expect(matches('app=api', labels)).toBe(false);
    expect(matches('env!=prod', labels)).toBe(true);
    expect(matches('app!=web', labels)).toBe(false);
    expect(matches('size notin (xl)', labels)).toBe(true);
    expect(matches('zone notin (a)', labels)).toBe(false);
    expect(matches('zone in (b)', labels)).toBe(false);
    expect(matches('size in (xl)', labels)).toBe(false);
    expect(matches('app', labels)).toBe(true);
    expect(matches('!app', labels)).toBe(false);
    expect(matches('!canary', labels)).toBe(true);
    expect(matches('', {})).toBe(true);
    expect(matches('constructor', {})).toBe(false);
  });
});

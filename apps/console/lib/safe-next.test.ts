import { describe, expect, it } from 'vitest';
import { safeNext } from './safe-next';

const origin = 'https://console.example.com';

describe('safeNext', () => {
  it('keeps paths of the console', () => {
    expect(safeNext('/agents/7?tab=config#x', origin)).toBe('/agents/7?tab=config#x');
    expect(safeNext(null, origin)).toBe('/');
  });

  it.each([
    '/\\evil.example',
    '//evil.example',
    '/\t/evil.example',
    'https://evil.example/',
    '\\\\evil.example',
    'javascript:alert(1)',
  ])('never leaves the site for %j', (next) => {
    const target = new URL(safeNext(next, origin), origin);
    expect(target.origin).toBe(origin);
  });
});

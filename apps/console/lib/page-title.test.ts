import { describe, expect, it } from 'vitest';

import { pageTitle } from './page-title';

describe('pageTitle', () => {
  it('names the object and the page before the product, leaving out what has not loaded', () => {
    expect(pageTitle('Audit log')).toBe('Audit log · Mooring');
    expect(pageTitle('prod-cluster', 'Agent')).toBe('prod-cluster · Agent · Mooring');
    expect(pageTitle(undefined, 'Agent')).toBe('Agent · Mooring');
    expect(pageTitle()).toBe('Mooring');
  });
});

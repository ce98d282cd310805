import type { ObjectRow } from '@mooring/modules/object_watch/shared/watch-api';
import { describe, expect, it } from 'vitest';

import { filterRows } from './row-filter';

const row = (name: string, labels: Record<string, string> = {}, namespace = 'dev'): ObjectRow => ({
  uid: name,
  name,
  namespace,
  resourceVersion: '1',
  createdAt: '',
  labels,
  ownerReferences: [],
  columns: {},
});

const rows = [
  row('web-1', { app: 'web' }),
  row('web-2', { app: 'web', tier: 'a' }),
  row('db-0', { app: 'db' }, 'data'),
];
const names = (query: string) => filterRows(rows, query).map((r) => r.name);

describe('filterRows', () => {
  it('matches names and namespaces case-insensitively, labels exactly, every term at once', () => {
    expect(names('')).toEqual(['web-1', 'web-2', 'db-0']);
    expect(names('WEB')).toEqual(['web-1', 'web-2']);
    expect(names('data')).toEqual(['db-0']);
    expect(names('app=web')).toEqual(['web-1', 'web-2']);
    expect(names('app=web tier=')).toEqual(['web-2']);
    expect(names('app=we')).toEqual([]);
    expect(names('app=web 1')).toEqual(['web-1']);
  });

  it('treats characters a RegExp would read as plain text', () => {
    expect(names('.*')).toEqual([]);
    expect(names('(')).toEqual([]);
  });
});

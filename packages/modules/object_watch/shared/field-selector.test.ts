import { describe, expect, it } from 'vitest';
import { matchesFields, parseFieldSelector } from './field-selector';
import type { ResourceRef } from './resources';
import type { ObjectRow } from './watch-api';

const pods: ResourceRef = { group: '', version: 'v1', resource: 'pods' };
const deployments: ResourceRef = { group: 'apps', version: 'v1', resource: 'deployments' };
const row = (name: string, columns: ObjectRow['columns'] = {}): ObjectRow => ({
  uid: `u-${name}`,
  name,
  namespace: 'web',
  resourceVersion: '1',
  createdAt: '',
  labels: {},
  ownerReferences: [],
  columns,
});

const matches = (text: string, ref: ResourceRef, r: ObjectRow) => {
  const parsed = parseFieldSelector(text, ref);
  if (!parsed.ok) throw new Error(parsed.error);
  return matchesFields(parsed.selector, r, ref);
};

describe('field selectors', () => {
  it('answers metadata.name, metadata.namespace and the kind’s own fields from the row', () => {
    const pod = row('web-1', { node: 'n1', phase: 'Running' });
    expect(matches('metadata.name=web-1', pods, pod)).toBe(true);
    expect(matches('metadata.namespace==web,spec.nodeName=n1', pods, pod)).toBe(true);
    expect(matches('status.phase!=Running', pods, pod)).toBe(false);
    expect(matches('status.phase!=Pending', pods, pod)).toBe(true);
    expect(matches('spec.nodeName=', pods, row('x'))).toBe(true);
    expect(matches('', pods, pod)).toBe(true);
    expect(matches('metadata.name=a\\,b', pods, row('a,b'))).toBe(true);
  });

  it('refuses fields the kind does not answer, naming those it does', () => {
    const parsed = parseFieldSelector('spec.nodeName=n1', deployments);
    expect(parsed).toEqual({
      ok: false,
      error:
        'field selector: at position 0: "spec.nodeName" is not a field this resource answers; use one of metadata.name, metadata.namespace',
    });
    expect(parseFieldSelector('metadata.name', pods)).toMatchObject({
      ok: false,
      error: expect.stringMatching(/at position 13: expected "=", "==" or "!=" after metadata.name/),
    });
    expect(parseFieldSelector('metadata.name=a=b', pods)).toMatchObject({
      ok: false,
      error: expect.stringMatching(/at position 15: expected ","/),
    });
    expect(parseFieldSelector('=a', pods)).toMatchObject({
      ok: false,
      error: expect.stringMatching(/position 0/),
    });
  });
});

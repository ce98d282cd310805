import { describe, expect, it } from 'vitest';

import {
  CUSTOM_RESOURCE_PATTERN,
  customResourceChoices,
  customResourceTitle,
  type WatchedResource,
} from './custom-resources';

const watched = (id: string, builtIn: boolean): WatchedResource => {
  const parts = id.split('/');
  const [group, version, resource] = parts.length === 3 ? parts : ['', 'v1', parts.at(-1)!];
  return { id, group: group!, version: version!, resource: resource!, kind: null, builtIn };
};

describe('custom resource choices', () => {
  it('offers only what the default set lacks, by title then group', () => {
    const choices = customResourceChoices([
      watched('pods', true),
      watched('cert-manager.io/v1/certificates', false),
      watched('apps/v1/deployments', true),
      watched('example.com/v1/widgets', false),
      watched('acme.io/v1beta1/widgets', false),
    ]);
    expect(choices).toEqual([
      { id: 'cert-manager.io/v1/certificates', title: 'Certificates', groupVersion: 'cert-manager.io/v1' },
      { id: 'acme.io/v1beta1/widgets', title: 'Widgets', groupVersion: 'acme.io/v1beta1' },
      { id: 'example.com/v1/widgets', title: 'Widgets', groupVersion: 'example.com/v1' },
    ]);
  });

  it('offers nothing when the agent watches the default set only', () => {
    expect(customResourceChoices([watched('pods', true), watched('events', true)])).toEqual([]);
  });

  it('titles a list by its plural, and types only group/version/plural', () => {
    expect(customResourceTitle('example.com/v1/widgets')).toBe('Widgets');
    expect(CUSTOM_RESOURCE_PATTERN.test('example.com/v1/widgets')).toBe(true);
    expect(CUSTOM_RESOURCE_PATTERN.test('widgets')).toBe(false);
    expect(CUSTOM_RESOURCE_PATTERN.test('example.com/v1/widgets/extra')).toBe(false);
  });
});

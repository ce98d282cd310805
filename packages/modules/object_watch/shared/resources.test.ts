import { describe, expect, it } from 'vitest';
import {
  collectionPath,
  configuredResources,
  DEFAULT_RESOURCES,
  isMetadataOnly,
  isRefusedResource,
  parseResourceName,
  resourceId,
  watchedResources,
} from './resources';

const refOf = (name: string) => {
  const parsed = parseResourceName(name);
  if (!parsed.ok) throw new Error(parsed.error);
  return parsed.ref;
};

describe('resource names', () => {
  it('reads the config forms', () => {
    expect(refOf('pods')).toEqual({ group: '', version: 'v1', resource: 'pods' });
    expect(refOf('deployments')).toEqual({ group: 'apps', version: 'v1', resource: 'deployments' });
    expect(refOf('apps/v1/deployments')).toEqual({ group: 'apps', version: 'v1', resource: 'deployments' });
    expect(refOf('v1/pods')).toEqual({ group: '', version: 'v1', resource: 'pods' });
    expect(refOf('cert-manager.io/v1/certificates')).toEqual({
      group: 'cert-manager.io',
      version: 'v1',
      resource: 'certificates',
    });
    expect(refOf('widgets')).toEqual({ group: '', version: 'v1', resource: 'widgets' });
    expect(resourceId(refOf('v1/pods'))).toBe('pods');
    expect(resourceId(refOf('deployments'))).toBe('apps/v1/deployments');
  });

  it('says which form it expected', () => {
    expect(parseResourceName('apps/deployments')).toEqual({
      ok: false,
      error: '"apps/deployments" names no version; use <group>/<version>/<resource> like apps/v1/deployments',
    });
    expect(parseResourceName('apps/latest/deployments')).toMatchObject({
      ok: false,
      error: /not an API version/,
    });
    expect(parseResourceName('Pods')).toMatchObject({ ok: false, error: /is not a resource name/ });
    expect(parseResourceName('a/b/c/d')).toMatchObject({ ok: false });
  });

  it('refuses Secrets in every form', () => {
    for (const name of ['secrets', 'v1/secrets', 'example.com/v1/secrets'])
      expect(parseResourceName(name)).toMatchObject({ ok: false, error: /secrets are never watched/ });
    expect(isRefusedResource('secrets')).toBe(true);
    expect(configuredResources(['pods', 'secrets', 'pods', 'v1/pods'])).toEqual({
      resources: [{ group: '', version: 'v1', resource: 'pods' }],
      errors: [
        'object_watch.resources: secrets are never watched: their data never leaves the cluster this way',
      ],
    });
  });

  it('has the default set when the config names none; ConfigMaps metadata only', () => {
    const defaults = configuredResources(undefined).resources.map(resourceId);
    expect(defaults).toEqual(DEFAULT_RESOURCES.map(resourceId));
    expect(defaults).toContain('discovery.k8s.io/v1/endpointslices');
    expect(defaults).toHaveLength(15);
    expect(isMetadataOnly(refOf('configmaps'))).toBe(true);
    expect(isMetadataOnly(refOf('pods'))).toBe(false);
    expect(collectionPath(refOf('deployments'), 'web')).toBe('/apis/apps/v1/namespaces/web/deployments');
    expect(collectionPath(refOf('pods'))).toBe('/api/v1/pods');
  });
});

describe('watchedResources', () => {
  it('is the default set, all built in, when the configuration names none', () => {
    const watched = watchedResources(undefined);
    expect(watched.map((r) => r.id)).toEqual(DEFAULT_RESOURCES.map((r) => resourceId(r)));
    expect(watched.every((r) => r.builtIn && r.kind !== null)).toBe(true);
  });

  it('marks a CRD as not built in, once, and leaves out what agentk would drop', () => {
    const watched = watchedResources([
      'pods',
      'example.com/v1/widgets',
      'example.com/v1/widgets',
      'v1/pods',
      'apps/latest/deployments',
      'secrets',
      'deployments',
    ]);
    expect(watched).toEqual([
      { group: '', version: 'v1', resource: 'pods', id: 'pods', kind: 'Pod', builtIn: true },
      {
        group: 'example.com',
        version: 'v1',
        resource: 'widgets',
        id: 'example.com/v1/widgets',
        kind: null,
        builtIn: false,
      },
      {
        group: 'apps',
        version: 'v1',
        resource: 'deployments',
        id: 'apps/v1/deployments',
        kind: 'Deployment',
        builtIn: true,
      },
    ]);
  });
});

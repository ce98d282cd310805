import { describe, expect, it } from 'vitest';
import { parseAgentConfig } from './parse-config';
import { unusedKeyWarnings } from './unused-keys';

const warningsOf = (yaml: string) => {
  const parsed = parseAgentConfig(yaml);
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
  return unusedKeyWarnings(parsed.config);
};

describe('unusedKeyWarnings', () => {
  it('warns once per key that is accepted but not used yet, with its path', () => {
    const warnings = warningsOf(
      [
        'ci_access:',
        '  projects:',
        '    - id: a/b',
        '    - id: a/c',
        '      default_namespace: web',
        'observability:',
        '  logging: {level: debug, grpc_level: warn}',
        'object_watch:',
        '  resources: [pods]',
        'flux:',
        '  webhook_receiver: {namespace: flux-system, name: mooring}',
      ].join('\n'),
    );
    expect(warnings.map((w) => w.path)).toEqual([
      'ci_access.projects[1].default_namespace',
      'observability.logging.grpc_level',
      'flux',
    ]);
    expect(warnings[2]!.message).toMatch(/^flux is accepted but not used yet/);
  });

  it('says nothing about keys that act', () => {
    expect(
      warningsOf(
        'ci_access:\n  groups: [{id: g, access_as: {ci_job: {}}}]\nuser_access:\n  access_as: {user: {}}\nobservability:\n  logging: {level: info}\nobject_watch:\n  resources: [pods]\n  max_objects_per_resource: 5000\n',
      ),
    ).toEqual([]);
    expect(warningsOf('')).toEqual([]);
  });

  it('warns for an empty mapping too: the key is there, and does nothing', () => {
    expect(warningsOf('flux: {}\n').map((w) => w.path)).toEqual(['flux']);
  });
});

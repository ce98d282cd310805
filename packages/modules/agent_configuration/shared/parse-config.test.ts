import { describe, expect, it } from 'vitest';
import { agentConfigJsonSchema, MAX_AGENT_CONFIG_BYTES } from './config-schema';
import { deriveAuthorizations, formatConfigError, parseAgentConfig } from './parse-config';

describe('parseAgentConfig', () => {
  it('accepts the design document example', () => {
    const res = parseAgentConfig(`
ci_access:
  projects:
    - id: group/project
      default_namespace: ns
      environments: [prod, "review/*"]
      access_as: {ci_job: {}}
  groups:
    - id: group/sub
user_access:
  access_as: {user: {}}
  projects: [{id: group/project}]
observability:
  logging: {level: info, grpc_level: error}
object_watch:
  resources: [pods, services, deployments]
flux:
  webhook_receiver: {namespace: flux-system, name: mooring}
`);
    expect(res.ok).toBe(true);
    if (!res.ok) return;
    expect(res.config.ci_access?.projects?.[0]?.environments).toEqual(['prod', 'review/*']);
    expect(deriveAuthorizations(res.config)).toEqual([
      {
        kind: 'ci_access',
        targetType: 'project',
        targetPath: 'group/project',
        field: 'ci_access.projects[0].id',
        settings: { access_as: { ci_job: {} }, default_namespace: 'ns', environments: ['prod', 'review/*'] },
      },
      {
        kind: 'ci_access',
        targetType: 'group',
        targetPath: 'group/sub',
        field: 'ci_access.groups[0].id',
        settings: { access_as: { agent: {} } },
      },
      {
        kind: 'user_access',
        targetType: 'project',
        targetPath: 'group/project',
        field: 'user_access.projects[0].id',
        settings: { access_as: { user: {} } },
      },
    ]);
  });

  it('treats an empty document as an empty config', () => {
    expect(parseAgentConfig('')).toEqual({ ok: true, config: {} });
    expect(parseAgentConfig('# only a comment\n')).toEqual({ ok: true, config: {} });
  });

  it('reports every error with its line, column and field', () => {
    const res = parseAgentConfig(
      [
        'ci_access:',
        '  projects:',
        '    - id: "bad path!"',
        '      default_namespace: Not_A_Label',
        'observability:',
        '  loging: {}',
        'user_access:',
        '  projects: []',
      ].join('\n'),
    );
    expect(res.ok).toBe(false);
    if (res.ok) return;
    expect(res.errors.map((e) => [e.line, e.path])).toEqual([
      [3, 'ci_access.projects[0].id'],
      [4, 'ci_access.projects[0].default_namespace'],
      [6, 'observability.loging'],
      [7, 'user_access.access_as'],
    ]);
    expect(res.errors[2]!.message).toMatch(/unknown field "loging"/);
    expect(res.errors[3]!.message).toBe('required field "access_as" is missing');
    expect(formatConfigError(res.errors[0]!)).toMatch(
      /^line 3, column 11, ci_access\.projects\[0\]\.id: must be a full path/,
    );
  });

  it('reports YAML syntax errors and duplicate keys with their line', () => {
    const res = parseAgentConfig('flux:\n  webhook_receiver: {namespace: a\nobject_watch: [');
    expect(res.ok).toBe(false);
    if (!res.ok) expect(res.errors[0]!.message).toMatch(/^YAML syntax/);
    const dup = parseAgentConfig('flux: {}\nflux: {}\n');
    expect(dup.ok).toBe(false);
    if (!dup.ok) expect(dup.errors[0]!.line).toBe(2);
  });

  it('rejects a config that is not a mapping', () => {
    const res = parseAgentConfig('- a\n- b\n');
    expect(res.ok).toBe(false);
  });

  it('requires exactly one access_as mode', () => {
    const res = parseAgentConfig(
      'ci_access:\n  projects:\n    - id: a/b\n      access_as: {agent: {}, ci_job: {}}\n',
    );
    expect(res.ok).toBe(false);
    if (!res.ok)
      expect(res.errors[0]).toMatchObject({
        line: 4,
        path: 'ci_access.projects[0].access_as',
        message: 'set exactly one of agent, impersonate or ci_job',
      });
  });

  it('caps lists at 500 entries and the document at 128 KiB', () => {
    const many = `object_watch:\n  resources:\n${Array.from({ length: 501 }, (_, i) => `    - r${i}`).join('\n')}\n`;
    const res = parseAgentConfig(many);
    expect(res.ok).toBe(false);
    if (!res.ok)
      expect(res.errors[0]).toMatchObject({
        line: 3,
        path: 'object_watch.resources',
        message: expect.stringMatching(/at most 500/),
      });

    const big = `# ${'x'.repeat(MAX_AGENT_CONFIG_BYTES + 1024)}\n`;
    const tooBig = parseAgentConfig(big);
    expect(tooBig.ok).toBe(false);
    if (!tooBig.ok) expect(tooBig.errors[0]!.message).toMatch(/the limit is 128 KiB/);
  });

  it('exports a JSON Schema for the editor', () => {
    const props = (agentConfigJsonSchema as { properties: Record<string, unknown> }).properties;
    expect(Object.keys(props).sort()).toEqual([
      'ci_access',
      'flux',
      'object_watch',
      'observability',
      'user_access',
    ]);
  });
});

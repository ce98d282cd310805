import { describe, expect, it } from 'vitest';
import {
  agentConfigJsonSchema,
  MAX_AGENT_CONFIG_BYTES,
  MAX_CONFIG_DEPTH,
  MAX_CONFIG_ENTRIES,
  MAX_REPORTED_CONFIG_ERRORS,
} from './config-schema';
import { deriveAuthorizations, formatConfigError, parseAgentConfig } from './parse-config';

describe('parseAgentConfig', () => {
  it('accepts a file using every section of docs/configuration.md', () => {
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
  projects: [{id: group/project, default_namespace: web}]
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
        settings: { access_as: { user: {} }, default_namespace: 'web' },
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

  it('bounds the entries and the depth before any schema work, naming the bound', () => {
    // ~16k keys in 127 KiB used to take 11 s of kas's thread in yaml's pairwise duplicate-key check.
    const keys = (n: number) =>
      `observability:\n${Array.from({ length: n }, (_, i) => ` ${i.toString(36)}: 1`).join('\n')}\n`;
    const many = parseAgentConfig(keys(16_000));
    expect(many.ok).toBe(false);
    if (!many.ok) {
      expect(many.errors).toHaveLength(1);
      expect(many.errors[0]!.message).toContain(`more than ${MAX_CONFIG_ENTRIES} entries`);
    }
    // Deeper than the parser's own recursion could take (it used to answer "Maximum call stack size
    // exceeded", and 30,000 nested lists exhausted kas's memory).
    for (const deep of [
      'a: ' + '['.repeat(30_000),
      `a: ${'['.repeat(MAX_CONFIG_DEPTH)}${']'.repeat(MAX_CONFIG_DEPTH)}`,
    ]) {
      const res = parseAgentConfig(deep);
      expect(res.ok).toBe(false);
      if (!res.ok) {
        expect(res.errors).toHaveLength(1);
        expect(res.errors[0]!.message).toContain(`nested more than ${MAX_CONFIG_DEPTH} deep`);
      }
    }
    const justDeepEnough = parseAgentConfig(
      `a: ${'['.repeat(MAX_CONFIG_DEPTH - 1)}${']'.repeat(MAX_CONFIG_DEPTH - 1)}`,
    );
    expect(!justDeepEnough.ok && justDeepEnough.errors[0]!.message).toMatch(/unknown field "a"/);
    // A generous timeout, not a duration assertion: the work is bounded by the entry and depth limits, and a loaded
    // 2-core CI machine takes seconds for these inputs.
  }, 60_000);

  it('finds duplicate keys among thousands and caps the reported errors', () => {
    const lines = Array.from({ length: 3_000 }, (_, i) => ` k${i}: 1`);
    const dup = parseAgentConfig(`observability:\n${lines.join('\n')}\n k5: 2\n`);
    expect(dup.ok).toBe(false);
    if (!dup.ok) expect(dup.errors).toEqual([expect.objectContaining({ line: lines.length + 2, column: 2 })]);
    const unknown = parseAgentConfig(`observability:\n${lines.join('\n')}\n`);
    expect(unknown.ok).toBe(false);
    if (!unknown.ok) {
      expect(unknown.errors).toHaveLength(MAX_REPORTED_CONFIG_ERRORS + 1);
      expect(unknown.errors[0]).toMatchObject({ line: 2, column: 2, path: 'observability.k0' });
      expect(unknown.errors[MAX_REPORTED_CONFIG_ERRORS]!.message).toBe(
        `${lines.length - MAX_REPORTED_CONFIG_ERRORS} more errors not shown; fix the ones above first`,
      );
    }
  });

  it('refuses a second document', () => {
    const res = parseAgentConfig('flux: {}\n---\nflux: {}\n');
    expect(!res.ok && res.errors[0]).toMatchObject({
      line: 2,
      message: expect.stringMatching(/one document/),
    });
  });
});

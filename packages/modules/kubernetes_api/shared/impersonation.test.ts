import { describe, expect, it } from 'vitest';
import {
  impersonationFor,
  impersonationHeaders,
  type AuthorizedCiJob,
  type AuthorizedUser,
} from './impersonation';
import { testCaller } from './testing/authorized-caller';

const user = (over: Partial<AuthorizedUser> = {}) =>
  testCaller({ agentId: 9, configProjectId: 150, ...over });
const ciJob = (over: Partial<AuthorizedCiJob> = {}): AuthorizedCiJob => ({
  kind: 'ci_job',
  agentId: 2,
  configProjectId: 150,
  job: { id: '77' },
  project: { id: 151, ancestorGroupIds: [23, 25] },
  accessAs: { ci_job: {} },
  ...over,
});

describe('impersonationFor', () => {
  it('acts as the agent by default', () => {
    expect(impersonationFor(user())).toBeUndefined();
    expect(impersonationFor(ciJob({ accessAs: { agent: {} } }))).toBeUndefined();
  });

  it('maps access_as user to mooring:user groups with roles and the documented extras', () => {
    const config = impersonationFor(
      user({
        accessAs: { user: {} },
        projects: [{ id: 150, roles: ['developer'] }],
        groups: [{ id: 23, roles: ['maintainer'] }],
      }),
    )!;
    expect(config).toEqual({
      username: 'mooring:user:alice',
      uid: '',
      groups: ['mooring:user', 'mooring:project_role:150:developer', 'mooring:group_role:23:maintainer'],
      extra: [
        { key: 'agent.mooring.dev/id', val: ['9'] },
        { key: 'username', val: ['alice'] },
        { key: 'access_type', val: ['personal_access_token'] },
        { key: 'config_project_id', val: ['150'] },
      ],
    });
    expect(impersonationHeaders(config)['impersonate-extra-agent.mooring.dev%2Fid']).toEqual(['9']);
  });

  it('maps ci_job with environment tiers in GitLab order and the documented extras', () => {
    const config = impersonationFor(
      ciJob({
        environment: { name: 'prod', tier: 'production' },
        user: { id: 4, username: 'bob' },
      }),
    )!;
    expect(config.username).toBe('mooring:ci_job:77');
    expect(config.groups).toEqual([
      'mooring:ci_job',
      'mooring:group:23',
      'mooring:group_env_tier:23:production',
      'mooring:group:25',
      'mooring:group_env_tier:25:production',
      'mooring:project:151',
      'mooring:project_env:151:prod',
      'mooring:project_env_tier:151:production',
    ]);
    expect(Object.fromEntries(config.extra.map((e) => [e.key, e.val]))).toEqual({
      'agent.mooring.dev/id': ['2'],
      config_project_id: ['150'],
      project_id: ['151'],
      ci_job_id: ['77'],
      username: ['bob'],
      environment: ['prod'],
      environment_tier: ['production'],
    });
  });

  it('leaves environment groups and extras out for a job without an environment', () => {
    const config = impersonationFor(ciJob({ project: { id: 151, ancestorGroupIds: [] } }))!;
    expect(config.groups).toEqual(['mooring:ci_job', 'mooring:project:151']);
    expect(config.extra.map((e) => e.key)).toEqual([
      'agent.mooring.dev/id',
      'config_project_id',
      'project_id',
      'ci_job_id',
    ]);
  });

  it('passes a static impersonation through', () => {
    const config = impersonationFor(
      ciJob({ accessAs: { impersonate: { username: 'deployer', groups: ['ops'] } } }),
    )!;
    expect(impersonationHeaders(config)).toEqual({
      'impersonate-user': ['deployer'],
      'impersonate-group': ['ops'],
    });
  });
});

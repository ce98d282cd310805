import { describe, expect, it } from 'vitest';
import { impersonationFor, impersonationHeaders } from './impersonation';

describe('impersonationFor', () => {
  it('acts as the agent by default', () => {
    expect(
      impersonationFor({
        kind: 'user',
        agentId: 1,
        accessType: 'session_cookie',
        user: { id: 1, username: 'a' },
        accessAs: { agent: {} },
        projects: [],
        groups: [],
      }),
    ).toBeUndefined();
  });

  it('maps access_as user to mooring:user groups with roles', () => {
    const config = impersonationFor({
      kind: 'user',
      agentId: 9,
      accessType: 'personal_access_token',
      user: { id: 1, username: 'alice' },
      accessAs: { user: {} },
      projects: [{ id: 150, roles: ['developer'] }],
      groups: [{ id: 23, roles: ['maintainer'] }],
    })!;
    expect(config.username).toBe('mooring:user:alice');
    expect(config.groups).toEqual([
      'mooring:user',
      'mooring:project_role:150:developer',
      'mooring:group_role:23:maintainer',
    ]);
    expect(impersonationHeaders(config)['impersonate-extra-agent.mooring.dev%2Fid']).toEqual(['9']);
  });

  it('maps ci_job with environment tiers in GitLab order', () => {
    const config = impersonationFor({
      kind: 'ci_job',
      agentId: 2,
      job: { id: 77 },
      project: { id: 150, ancestorGroupIds: [23, 25] },
      environment: { slug: 'prod', tier: 'production' },
      accessAs: { ci_job: {} },
    })!;
    expect(config.username).toBe('mooring:ci_job:77');
    expect(config.groups).toEqual([
      'mooring:ci_job',
      'mooring:group:23',
      'mooring:group_env_tier:23:production',
      'mooring:group:25',
      'mooring:group_env_tier:25:production',
      'mooring:project:150',
      'mooring:project_env:150:prod',
      'mooring:project_env_tier:150:production',
    ]);
  });

  it('passes a static impersonation through', () => {
    const config = impersonationFor({
      kind: 'ci_job',
      agentId: 2,
      job: { id: 1 },
      project: { id: 1, ancestorGroupIds: [] },
      accessAs: { impersonate: { username: 'deployer', groups: ['ops'] } },
    })!;
    expect(impersonationHeaders(config)).toEqual({
      'impersonate-user': ['deployer'],
      'impersonate-group': ['ops'],
    });
  });
});

// The console shows the actions a view's `allowedActions` lists. For every role and every policy action this
// checks, against a real kas over HTTP, that a listed action succeeds and an unlisted one is refused: the list
// and the authorization cannot drift apart. `probes` is a Record over every Action, so a new rule without a
// probe does not compile.
import { beforeAll, describe, expect, it } from 'vitest';
import { ACTIONS, GLOBAL_ACTIONS, type Action, type GlobalAction } from '../services/policy';
import type { ApiResponse, RestClient } from '../testing/api-client';
import { useTestKas } from '../testing/test-kas';
import { buildHttpWorld, uniqueName, type HttpWorld, type TestRole } from '../testing/world';

/** Fresh targets for one probe, made by the administrator inside the world's group (so roles are inherited). */
interface Fixture {
  groupId: number;
  projectId: number;
  agentId: number;
  /** Set by probes that need more than the three targets. */
  targetId?: number;
  tokenId?: number;
}

interface Probe {
  on: 'group' | 'project' | 'agent';
  /** Makes what the action needs; returns the target's id when it is not the fixture's own. */
  prepare?(admin: RestClient, fx: Fixture): Promise<number | void>;
  call(client: RestClient, id: number, fx: Fixture): Promise<ApiResponse>;
}

let w: HttpWorld;
let bystander: { id: number; username: string };
const v1 = (path: string) => `/api/v1${path}`;
const created = async (res: Promise<ApiResponse<{ id: number }>>) => {
  const answer = await res;
  expect(answer.status, answer.text).toBe(201);
  return answer.body.id;
};

const probes: Record<Action, Probe> = {
  'group:read': { on: 'group', call: (c, id) => c.get(v1(`/groups/${id}`)) },
  'group:create_subgroup': {
    on: 'group',
    call: (c, id) => c.post(v1('/groups'), { name: 'Sub', path: uniqueName('sub'), parentId: id }),
  },
  'group:create_project': {
    on: 'group',
    call: (c, id) => c.post(v1('/projects'), { groupId: id, name: 'P', path: uniqueName('p') }),
  },
  'group:update': { on: 'group', call: (c, id) => c.patch(v1(`/groups/${id}`), { description: 'renamed' }) },
  'group:delete': {
    on: 'group',
    prepare: (admin, fx) =>
      created(admin.post(v1('/groups'), { name: 'Empty', path: uniqueName('empty'), parentId: fx.groupId })),
    call: (c, id) => c.delete(v1(`/groups/${id}`)),
  },
  'group:read_members': { on: 'group', call: (c, id) => c.get(v1(`/groups/${id}/members`)) },
  'group:manage_members': {
    on: 'group',
    call: (c, id) =>
      c.put(v1(`/groups/${id}/members/${bystander.id}`), { role: 'guest', username: bystander.username }),
  },
  'project:read': { on: 'project', call: (c, id) => c.get(v1(`/projects/${id}`)) },
  'project:update': { on: 'project', call: (c, id) => c.patch(v1(`/projects/${id}`), { description: 'x' }) },
  // Into the world's group, where the caller has the same role (the target group needs Maintainer).
  'project:move': {
    on: 'project',
    call: (c, id) => c.post(v1(`/projects/${id}/move`), { groupId: w.groupId }),
  },
  'project:delete': {
    on: 'project',
    prepare: (admin, fx) =>
      created(admin.post(v1('/projects'), { groupId: fx.groupId, name: 'Empty', path: uniqueName('empty') })),
    call: (c, id) => c.delete(v1(`/projects/${id}`)),
  },
  'project:read_members': { on: 'project', call: (c, id) => c.get(v1(`/projects/${id}/members`)) },
  'project:manage_members': {
    on: 'project',
    call: (c, id) =>
      c.put(v1(`/projects/${id}/members/${bystander.id}`), { role: 'guest', username: bystander.username }),
  },
  'project:read_agents': { on: 'project', call: (c, id) => c.get(v1(`/projects/${id}/agents`)) },
  'project:create_agent': {
    on: 'project',
    call: (c, id) => c.post(v1(`/projects/${id}/agents`), { name: uniqueName('agent') }),
  },
  'project:mint_ci_job_token': {
    on: 'project',
    call: (c, id) => c.post(v1(`/projects/${id}/ci_job_tokens`), { jobId: '4711' }),
  },
  'agent:read': { on: 'agent', call: (c, id) => c.get(v1(`/agents/${id}`)) },
  'agent:delete': { on: 'agent', call: (c, id) => c.delete(v1(`/agents/${id}`)) },
  'agent:read_tokens': { on: 'agent', call: (c, id) => c.get(v1(`/agents/${id}/tokens`)) },
  'agent:create_token': {
    on: 'agent',
    call: (c, id) => c.post(v1(`/agents/${id}/tokens`), { name: 'deploy' }),
  },
  'agent:revoke_token': {
    on: 'agent',
    async prepare(admin, fx) {
      fx.tokenId = (
        await admin.post<{ token: { id: number } }>(v1(`/agents/${fx.agentId}/tokens`), { name: 'old' })
      ).body.token.id;
    },
    call: (c, id, fx) => c.delete(v1(`/agents/${id}/tokens/${fx.tokenId}`)),
  },
  'agent:read_config': { on: 'agent', call: (c, id) => c.get(v1(`/agents/${id}/configs/live`)) },
  'agent:write_config': {
    on: 'agent',
    call: (c, id) =>
      c.post(v1(`/agents/${id}/configs`), { yaml: 'observability:\n  logging:\n    level: debug\n' }),
  },
  'agent:read_receptive': { on: 'agent', call: (c, id) => c.get(v1(`/agents/${id}/receptive_endpoint`)) },
  'agent:write_receptive': {
    on: 'agent',
    call: (c, id) =>
      c.put(v1(`/agents/${id}/receptive_endpoint`), {
        url: 'grpcs://agent.example.com:8082',
        auth: { type: 'jwt' },
      }),
  },
};

const globalProbes: Record<GlobalAction, (c: RestClient) => Promise<ApiResponse>> = {
  'user:manage': (c) => c.get(v1('/users')),
  'audit:read': (c) => c.get(v1('/audit')),
  'group:create_root': (c) => c.post(v1('/groups'), { name: 'Top', path: uniqueName('top') }),
  'self:manage_tokens': (c) => c.post(v1('/personal_access_tokens'), { name: 'cli', scopes: ['read_api'] }),
};

const viewPath = { group: '/groups/', project: '/projects/', agent: '/agents/' } as const;

describe('allowedActions: every shown action succeeds, every hidden one is refused', () => {
  const kas = useTestKas('pglite');
  const actors: (TestRole | 'admin')[] = ['guest', 'reporter', 'developer', 'maintainer', 'owner', 'admin'];
  const clientOf = (actor: TestRole | 'admin') => (actor === 'admin' ? w.admin : w.as[actor]);

  beforeAll(async () => {
    w = await buildHttpWorld(kas());
    const username = uniqueName('bystander');
    const user = await w.admin.post<{ id: number }>(v1('/users'), {
      username,
      password: 'bystander-password-1',
    });
    expect(user.status, user.text).toBe(201);
    bystander = { id: user.body.id, username };
  }, 120_000);

  async function fixture(): Promise<Fixture> {
    const groupId = await created(
      w.admin.post(v1('/groups'), { name: 'Fixture', path: uniqueName('fx'), parentId: w.groupId }),
    );
    const projectId = await created(
      w.admin.post(v1('/projects'), { groupId, name: 'Fixture', path: uniqueName('fx') }),
    );
    const agentId = await created(
      w.admin.post(v1(`/projects/${projectId}/agents`), { name: uniqueName('fx') }),
    );
    return { groupId, projectId, agentId };
  }

  it.each(actors)(
    'as %s',
    async (actor) => {
      const client = clientOf(actor);
      const outcomes: string[] = [];
      for (const action of ACTIONS) {
        const probe = probes[action];
        const fx = await fixture();
        const id = (await probe.prepare?.(w.admin, fx)) ?? fx[`${probe.on}Id`];
        const view = await client.get<{ allowedActions: Action[] }>(v1(`${viewPath[probe.on]}${id}`));
        // 403: the target is visible but not readable (a Guest's agent); 404: not visible at all.
        expect([200, 403, 404], view.text).toContain(view.status);
        const shown = view.status === 200 && view.body.allowedActions.includes(action);
        const res = await probe.call(client, id, fx);
        const ok = res.status >= 200 && res.status < 300;
        // One line per action, so a failure names every mismatch at once.
        if (shown && !ok) outcomes.push(`${action} is shown but answered ${res.status}: ${res.text}`);
        if (!shown && (ok || res.status !== (view.status === 404 ? 404 : 403)))
          outcomes.push(`${action} is hidden (view ${view.status}) but answered ${res.status}: ${res.text}`);
      }
      expect(outcomes).toEqual([]);
    },
    120_000,
  );

  it.each(actors)('global actions as %s', async (actor) => {
    const client = clientOf(actor);
    const me = await client.get<{ allowedActions: GlobalAction[] }>(v1('/session'));
    expect(me.status, me.text).toBe(200);
    const outcomes: string[] = [];
    for (const action of GLOBAL_ACTIONS) {
      const shown = me.body.allowedActions.includes(action);
      const res = await globalProbes[action](client);
      const ok = res.status >= 200 && res.status < 300;
      if (shown !== ok) outcomes.push(`${action}: shown=${shown}, answered ${res.status}: ${res.text}`);
      if (!shown && res.status !== 403) outcomes.push(`${action} is hidden but answered ${res.status}`);
    }
    expect(outcomes).toEqual([]);
    // Only administrators manage users; every signed-in user manages their own tokens.
    expect(me.body.allowedActions.includes('user:manage')).toBe(actor === 'admin');
    expect(me.body.allowedActions).toContain('self:manage_tokens');
  });

  it('lists carry the same actions as the single views', async () => {
    for (const actor of actors) {
      const client = clientOf(actor);
      const groups = await client.get<{ id: number; allowedActions: Action[] }[]>(v1('/groups'));
      const projects = await client.get<{ id: number; allowedActions: Action[] }[]>(v1('/projects'));
      for (const [path, rows] of [
        ['/groups/', groups.body],
        ['/projects/', projects.body],
      ] as const) {
        for (const row of rows.slice(0, 5)) {
          const one = await client.get<{ allowedActions: Action[] }>(v1(`${path}${row.id}`));
          expect(row.allowedActions, `${actor} ${path}${row.id}`).toEqual(one.body.allowedActions);
        }
      }
    }
  });

  it('a Developer sees reads only on an agent, a Maintainer also its changes', async () => {
    const developer = await w.as.developer.get<{ allowedActions: Action[] }>(v1(`/agents/${w.agentId}`));
    expect(developer.body.allowedActions).toEqual([
      'agent:read',
      'agent:read_tokens',
      'agent:read_config',
      'agent:read_receptive',
    ]);
    const maintainer = await w.as.maintainer.get<{ allowedActions: Action[] }>(v1(`/agents/${w.agentId}`));
    expect(maintainer.body.allowedActions).toEqual(
      expect.arrayContaining(['agent:delete', 'agent:create_token']),
    );
  });
});

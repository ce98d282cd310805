// agentConfigs.revert over real HTTP: a stored version's text saved again as the newest version, with a save's
// authorization (Maintainer), warnings and audit row; reverting to the live text (or saving it) creates nothing.
import { beforeAll, describe, expect, it } from 'vitest';
import { testBackends, useTestKas } from '../testing/test-kas';
import { buildHttpWorld, uniqueName, type HttpWorld } from '../testing/world';

interface Saved {
  agentId: number;
  version: number;
  yaml: string;
  warnings: { path: string; message: string }[];
  created: boolean;
}

describe.each(testBackends)('reverting an agent configuration [%s]', (backend) => {
  const kas = useTestKas(backend);
  let w: HttpWorld;
  beforeAll(async () => {
    w = await buildHttpWorld(kas());
  }, 60_000);

  const save = (yaml: string) => w.as.maintainer.post<Saved>(`/api/v1/agents/${w.agentId}/configs`, { yaml });
  const revert = (as: 'maintainer' | 'developer', version: number) =>
    w.as[as].post<Saved & { code: string; message: string }>(
      `/api/v1/agents/${w.agentId}/configs/${version}/revert`,
      {},
    );
  const historyLength = async () =>
    (await w.admin.get<unknown[]>(`/api/v1/agents/${w.agentId}/configs?limit=500`)).body.length;

  it('saves the old text as a new live version, with its warnings and an audit row', async () => {
    const missing = uniqueName('nowhere');
    const first = `user_access:\n  access_as: {agent: {}}\n  groups: [{id: ${missing}}]\nflux:\n  webhook_receiver: {namespace: flux-system, name: mooring}\n`;
    const v1 = await save(first);
    expect(v1.status, v1.text).toBe(201);
    const v2 = await save('observability:\n  logging: {level: debug}\n');
    expect(v2.status, v2.text).toBe(201);
    expect(v2.body.warnings).toEqual([]);

    // Developers may read versions but not save, so not revert either; agents.get tells the console which.
    const mayWrite = async (as: 'maintainer' | 'developer') =>
      (await w.as[as].get<{ canWriteConfig: boolean }>(`/api/v1/agents/${w.agentId}`)).body.canWriteConfig;
    expect(await mayWrite('maintainer')).toBe(true);
    expect(await mayWrite('developer')).toBe(false);
    const denied = await revert('developer', v1.body.version);
    expect(denied.status).toBe(403);
    expect(denied.body.code).toBe('forbidden');

    const reverted = await revert('maintainer', v1.body.version);
    expect(reverted.status, reverted.text).toBe(201);
    expect(reverted.body).toMatchObject({ version: v2.body.version + 1, yaml: first, created: true });
    // The same warnings as the original save: the key not used yet first, then the path naming nothing.
    expect(reverted.body.warnings.map((x) => x.path)).toEqual(['flux', 'user_access.groups[0].id']);
    expect(reverted.body.warnings).toEqual(v1.body.warnings);
    expect(reverted.body.warnings[0]!.message).toMatch(/^flux is accepted but not used yet/);

    const live = await w.as.developer.get<Saved>(`/api/v1/agents/${w.agentId}/configs/live`);
    expect(live.body).toMatchObject({ version: reverted.body.version, yaml: first });

    const audit = await w.admin.get<
      { action: string; actorName: string; details: Record<string, unknown> }[]
    >(`/api/v1/audit?targetType=agent&targetId=${w.agentId}&action=agent_config.revert`);
    expect(audit.status, audit.text).toBe(200);
    expect(audit.body).toHaveLength(1);
    expect(audit.body[0]!.details).toMatchObject({
      version: reverted.body.version,
      revertedFrom: v1.body.version,
    });
  });

  it('is a no-op answering the live version when the text is the live one, as a save of it is', async () => {
    const live = (await w.as.developer.get<Saved>(`/api/v1/agents/${w.agentId}/configs/live`)).body;
    const before = await historyLength();

    const again = await save(live.yaml);
    expect(again.status, again.text).toBe(201);
    expect(again.body).toMatchObject({ version: live.version, created: false });

    const toLive = await revert('maintainer', live.version);
    expect(toLive.status, toLive.text).toBe(201);
    expect(toLive.body).toMatchObject({ version: live.version, yaml: live.yaml, created: false });
    expect(toLive.body.warnings).toEqual(live.warnings);

    // An older version holding the live text (v1 here, reverted to above) is the same no-op.
    const toSameText = await revert('maintainer', 1);
    expect(toSameText.body).toMatchObject({ version: live.version, created: false });
    expect(await historyLength()).toBe(before);
  });

  it('refuses a rejected version and a missing one, saying what to do', async () => {
    const rejected = await save('observability:\n  logging: {level: loud}\n');
    expect(rejected.status).toBe(400);
    const history = await w.admin.get<{ version: number; valid: boolean }[]>(
      `/api/v1/agents/${w.agentId}/configs`,
    );
    const bad = history.body.find((v) => !v.valid)!;
    const before = history.body.length;

    const refused = await revert('maintainer', bad.version);
    expect(refused.status).toBe(400);
    expect(refused.body.message).toMatch(/was rejected .*pick a valid version/);

    const missing = await revert('maintainer', 9999);
    expect(missing.status).toBe(404);
    expect(missing.body.message).toMatch(/no configuration version 9999/);
    expect(await historyLength()).toBe(before);
  });
});

// objects.resources over real HTTP against a real kas: what the agent's live configuration makes object_watch watch
// (the explorer's Custom resources picker), asked by whoever may see the agent's objects and by no one else.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestKas, type TestKas } from '../testing/test-kas';
import { buildHttpWorld, type HttpWorld } from '../testing/world';

interface Answer {
  configVersion: number | null;
  configured: boolean;
  resources: { id: string; kind: string | null; builtIn: boolean }[];
}

describe('objects.resources', () => {
  let tk: TestKas;
  let w: HttpWorld;
  const path = () => `/api/v1/agents/${w.agentId}/objects/resources`;

  beforeAll(async () => {
    tk = await startTestKas('pglite');
    w = await buildHttpWorld(tk);
  }, 120_000);

  afterAll(async () => {
    await tk?.dispose();
  });

  it('answers the default set, all built in, while the agent has no configuration', async () => {
    const res = await w.as.developer.get<Answer>(path());
    expect(res.status, res.text).toBe(200);
    expect(res.body.configVersion).toBeNull();
    expect(res.body.configured).toBe(false);
    expect(res.body.resources.map((r) => r.id)).toContain('pods');
    expect(res.body.resources.every((r) => r.builtIn)).toBe(true);
  });

  it("follows the live configuration's object_watch.resources: a CRD is not built in", async () => {
    const saved = await w.admin.post<{ version: number }>(`/api/v1/agents/${w.agentId}/configs`, {
      yaml: 'object_watch:\n  resources:\n    - pods\n    - example.com/v1/widgets\n    - example.com/v1/widgets\n',
    });
    expect(saved.status, saved.text).toBe(201);
    const res = await w.as.developer.get<Answer>(path());
    expect(res.status, res.text).toBe(200);
    expect(res.body).toEqual({
      configVersion: saved.body.version,
      configured: true,
      resources: [
        { id: 'pods', group: '', version: 'v1', resource: 'pods', kind: 'Pod', builtIn: true },
        {
          id: 'example.com/v1/widgets',
          group: 'example.com',
          version: 'v1',
          resource: 'widgets',
          kind: null,
          builtIn: false,
        },
      ],
    });
  });

  it('is 404 for whoever may not use the agent through the proxy (a Reporter), as for its objects', async () => {
    const res = await w.as.reporter.get(path());
    expect(res.status, res.text).toBe(404);
    expect(res.text).not.toContain('widgets');
    expect(res.text).toContain('Developer of its project');
  });
});

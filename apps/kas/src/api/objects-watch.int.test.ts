// objects.watch end to end, checked on the bytes kas sends: a real kas (default modules: the object_watch hub), a
// real agentk (its object cache) on the run's local cluster, a viewer over SSE. With access_as user and a
// RoleBinding in namespace A only, nothing of namespace B ever reaches the viewer, no Secret ever does, and the
// stream ends with a 403 once the RoleBinding is deleted; with access_as agent the viewer sees B and is told so.
import type { Agentk } from '@mooring/agentk';
import { createFreshNamespace, deleteNamespace, kubectl } from '@mooring/kube-dev/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { until } from '@mooring/modules/shared/testing/until';
import { defaultModules } from '../modules';
import type { RestClient } from '../testing/api-client';
import { startTestKas, type TestKas } from '../testing/test-kas';
import { buildHttpWorld, type HttpWorld } from '../testing/world';
import { startClusterAgentk } from '../testing/cluster-agentk';

interface Row {
  name: string;
  namespace?: string;
}
type WatchEvent =
  | { type: 'access'; actsAsAgent: boolean; namespaces: string[] | null }
  | { type: 'snapshot'; rows: Row[]; last: boolean }
  | { type: 'deltas'; deltas: { type: string; row: Row }[] }
  | { type: 'status'; state: string; message: string }
  | { type: 'resumed' };

/** One objects.watch over SSE: every byte kas sent (`raw`), the parsed events, and how it ended. */
interface Viewer {
  raw(): string;
  events: WatchEvent[];
  /** The id of the newest event (what a reconnecting client sends as lastEventId). */
  lastId(): string | undefined;
  /** Resolves with the error event's message once kas ends the stream with an error. */
  ended: Promise<{ status: number | undefined; message: string }>;
  /** Resolves once `check` holds for the events received so far (generous timeout). */
  until(what: string, check: (events: WatchEvent[]) => boolean): Promise<void>;
  close(): void;
}

async function openWatch(kas: TestKas, client: RestClient, input: object): Promise<Viewer> {
  const abort = new AbortController();
  const res = await fetch(
    `${kas.apiUrl}/trpc/objects.watch?input=${encodeURIComponent(JSON.stringify(input))}`,
    {
      headers: { cookie: client.cookie!, accept: 'text/event-stream' },
      signal: abort.signal,
    },
  );
  let raw = '';
  let pending = '';
  const events: WatchEvent[] = [];
  let lastId: string | undefined;
  const waiters = new Set<() => void>();
  let endWith: (value: { status: number | undefined; message: string }) => void = () => undefined;
  const ended = new Promise<{ status: number | undefined; message: string }>(
    (resolve) => (endWith = resolve),
  );
  if (!res.headers.get('content-type')?.includes('text/event-stream')) {
    const text = await res.text();
    raw = text;
    endWith({ status: res.status, message: text });
  } else {
    void (async () => {
      const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
      try {
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          raw += value;
          pending += value;
          const blocks = pending.split('\n\n');
          pending = blocks.pop()!;
          for (const block of blocks) {
            const data = /^data: ?(.*)$/m.exec(block)?.[1];
            if (!data) continue;
            if (/^event: ?serialized-error/m.test(block)) {
              const error = JSON.parse(data) as { message?: string; data?: { httpStatus?: number } };
              endWith({ status: error.data?.httpStatus, message: error.message ?? data });
            } else if (!/^event: ?(connected|ping)/m.test(block)) {
              events.push(JSON.parse(data) as WatchEvent);
              lastId = /^id: ?(.*)$/m.exec(block)?.[1] ?? lastId;
            }
          }
          for (const wake of waiters) wake();
        }
      } catch {
        // closed by the test
      }
      endWith({ status: undefined, message: 'the stream closed' });
    })();
  }
  return {
    raw: () => raw,
    events,
    lastId: () => lastId,
    ended,
    async until(what, check) {
      const deadline = Date.now() + 60_000;
      while (!check(events)) {
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; got ${raw.slice(-2000)}`);
        await new Promise<void>((resolve) => {
          const wake = () => {
            waiters.delete(wake);
            resolve();
          };
          waiters.add(wake);
          setTimeout(wake, 1_000);
        });
      }
    },
    close: () => abort.abort(),
  };
}

/** The names a viewer holds after its events (snapshots replace, deltas change). */
function stateOf(events: WatchEvent[]): Map<string, Row> {
  let state = new Map<string, Row>();
  let next = new Map<string, Row>();
  const key = (r: Row) => `${r.namespace ?? ''}/${r.name}`;
  for (const e of events) {
    if (e.type === 'snapshot') {
      for (const r of e.rows) next.set(key(r), r);
      if (e.last) {
        state = next;
        next = new Map();
      }
    } else if (e.type === 'deltas') {
      for (const d of e.deltas) {
        if (d.type === 'deleted') state.delete(key(d.row));
        else state.set(key(d.row), d.row);
      }
    }
  }
  return state;
}

describe('objects.watch per viewer', () => {
  let tk: TestKas;
  let w: HttpWorld;
  let agentk: Agentk | undefined;
  let projectPath: string;
  let nsA: string;
  let nsB: string;
  const opened: Viewer[] = [];

  const ok = async (args: string[]) => {
    const result = await kubectl(args);
    expect(result.code, result.stderr).toBe(0);
  };
  const save = async (accessAs: 'user' | 'agent') => {
    const saved = await w.admin.post(`/api/v1/agents/${w.agentId}/configs`, {
      yaml: `user_access:\n  access_as:\n    ${accessAs}: {}\n  projects:\n    - id: ${projectPath}\n`,
    });
    expect(saved.status, saved.text).toBe(201);
  };
  const watch = async (client: RestClient, input: object) => {
    const viewer = await openWatch(tk, client, { agentId: w.agentId, ...input });
    opened.push(viewer);
    return viewer;
  };

  beforeAll(async () => {
    tk = await startTestKas('pglite', { modules: defaultModules() });
    w = await buildHttpWorld(tk);
    projectPath = (await w.admin.get<{ fullPath: string }>(`/api/v1/projects/${w.projectId}`)).body.fullPath;
    await save('user');
    const token = await w.admin.post<{ secret: string }>(`/api/v1/agents/${w.agentId}/tokens`, { name: 'k' });
    expect(token.status, token.text).toBe(201);
    nsA = await createFreshNamespace();
    nsB = await createFreshNamespace();
    for (const ns of [nsA, nsB]) {
      await ok(['create', 'configmap', `settings-${ns}`, '-n', ns, '--from-literal=k=v']);
      await ok(['create', 'secret', 'generic', `password-${ns}`, '-n', ns, '--from-literal=p=hunter2']);
    }
    await ok([
      'create',
      'rolebinding',
      'developers-view',
      '-n',
      nsA,
      '--clusterrole=view',
      `--group=mooring:project_role:${w.projectId}:developer`,
    ]);
    agentk = await startClusterAgentk(tk.kas, token.body.secret, 'agentk-objects-watch-0');
  }, 180_000);

  afterAll(async () => {
    for (const viewer of opened) viewer.close();
    for (const ns of [nsA, nsB]) if (ns) await deleteNamespace(ns);
    await agentk?.stop(2_000);
    await tk?.dispose();
  });

  it('summarizes only what the viewer may see: pods of A, not of B', async () => {
    await ok(['create', 'deployment', 'web', '-n', nsA, '--image=registry.invalid/web:1', '--replicas=1']);
    await ok(['create', 'deployment', 'web', '-n', nsB, '--image=registry.invalid/web:1', '--replicas=3']);
    const podsIn = async (ns: string) => {
      const out = await kubectl(['get', 'pods', '-n', ns, '-o', 'name']);
      return out.stdout.split('\n').filter(Boolean).length;
    };
    type Summary = {
      actsAsAgent: boolean;
      pods: { total: number };
      workloadsNotReady: { items: { namespace: string }[] };
      unavailable: unknown[];
    };
    const summary = async () => {
      const res = await w.as.developer.get<Summary>(`/api/v1/agents/${w.agentId}/objects/summary`);
      expect(res.status, res.text).toBe(200);
      expect(res.text).not.toContain(nsB);
      return res.body;
    };
    // The pods appear as the controller-manager makes them; the summary counts what the agent's cache holds.
    const last = await until(
      'a summary counting the one pod of A',
      async () => {
        const now = await summary();
        return (await podsIn(nsA)) === 1 && (await podsIn(nsB)) === 3 && now.pods.total === 1 && now;
      },
      60_000,
    );
    expect(last).toMatchObject({ actsAsAgent: false, pods: { total: 1 }, unavailable: [] });
    for (const item of last.workloadsNotReady.items) expect(item.namespace).toBe(nsA);
  });

  it('resumes a reconnect from its last event id without a fresh snapshot', async () => {
    const first = await watch(w.as.developer, { resource: 'configmaps', namespace: nsA });
    await first.until('the snapshot', (events) => events.some((e) => e.type === 'snapshot' && e.last));
    const lastEventId = first.lastId();
    expect(lastEventId).toBeDefined();
    first.close();
    await ok(['create', 'configmap', `missed-${nsA}`, '-n', nsA, '--from-literal=k=v']);
    const again = await watch(w.as.developer, { resource: 'configmaps', namespace: nsA, lastEventId });
    await again.until('the configmap created while away', (events) =>
      events.some((e) => e.type === 'deltas' && e.deltas.some((d) => d.row.name === `missed-${nsA}`)),
    );
    expect(again.events.slice(0, 2).map((e) => e.type)).toEqual(['access', 'resumed']);
    expect(again.events.some((e) => e.type === 'snapshot')).toBe(false);
    again.close();
  });

  it('starts over with a fresh snapshot when the viewer may see more, and ends when that goes again', async () => {
    const viewer = await watch(w.as.developer, { resource: 'configmaps' });
    await viewer.until('the first snapshot', (events) => events.some((e) => e.type === 'snapshot' && e.last));
    expect(viewer.events[0]).toEqual({ type: 'access', actsAsAgent: false, namespaces: [nsA] });
    expect(viewer.raw()).not.toContain(`settings-${nsB}`);
    await ok([
      'create',
      'rolebinding',
      'developers-view',
      '-n',
      nsB,
      '--clusterrole=view',
      `--group=mooring:project_role:${w.projectId}:developer`,
    ]);
    await viewer.until('the configmap of B after the new RoleBinding', (events) =>
      stateOf(events).has(`${nsB}/settings-${nsB}`),
    );
    const accessEvents = viewer.events.filter((e) => e.type === 'access');
    expect(accessEvents.at(-1)).toEqual({
      type: 'access',
      actsAsAgent: false,
      namespaces: [nsA, nsB].sort(),
    });
    expect(viewer.raw()).not.toContain('password-');

    await ok(['delete', 'rolebinding', 'developers-view', '-n', nsB]);
    const end = await Promise.race([
      viewer.ended,
      new Promise<never>((_, reject) =>
        setTimeout(
          () => reject(new Error(`the stream did not end; got ${viewer.raw().slice(-1000)}`)),
          60_000,
        ),
      ),
    ]);
    expect(end).toMatchObject({ status: 403 });
    expect(end.message).toContain(`you may no longer list configmaps in namespace ${nsB}`);
  });

  it('sends a viewer with access_as user nothing of namespace B, then ends its stream when its RoleBinding goes', async () => {
    const viewer = await watch(w.as.developer, { resource: 'configmaps' });
    await viewer.until('the first snapshot', (events) => events.some((e) => e.type === 'snapshot' && e.last));
    expect(viewer.events[0]).toEqual({ type: 'access', actsAsAgent: false, namespaces: [nsA] });
    expect(stateOf(viewer.events).has(`${nsA}/settings-${nsA}`)).toBe(true);

    // Changes in both namespaces: only A's reach the viewer.
    await ok(['create', 'configmap', `later-${nsB}`, '-n', nsB, '--from-literal=k=v']);
    await ok(['create', 'configmap', `later-${nsA}`, '-n', nsA, '--from-literal=k=v']);
    await viewer.until('the configmap added in A', (events) => stateOf(events).has(`${nsA}/later-${nsA}`));
    for (const row of stateOf(viewer.events).values()) expect(row.namespace).toBe(nsA);
    expect(viewer.raw()).not.toContain(nsB);
    expect(viewer.raw()).not.toContain('password-');
    expect(viewer.raw()).not.toContain('hunter2');

    await ok(['delete', 'rolebinding', 'developers-view', '-n', nsA]);
    const end = await Promise.race([
      viewer.ended,
      new Promise<never>((_, reject) =>
        setTimeout(
          () => reject(new Error(`the stream did not end; got ${viewer.raw().slice(-1000)}`)),
          60_000,
        ),
      ),
    ]);
    expect(end.status).toBe(403);
    // Every review was counted: kas asked the cluster (through the agent) at least once per rule.
    const misses = await tk.kas.metrics
      .getSingleMetric('mooring_kas_object_watch_sar_cache_misses_total')!
      .get();
    expect(misses.values[0]!.value).toBeGreaterThan(0);
    expect(end.message).toMatch(
      new RegExp(`may (no longer|not) list configmaps in (namespace ${nsA}|any namespace)`),
    );
    expect(viewer.raw()).not.toContain(nsB);
  });

  it('never streams Secrets: the input is refused naming the field', async () => {
    const viewer = await watch(w.as.owner, { resource: 'secrets' });
    const end = await viewer.ended;
    expect(end.status).toBe(400);
    expect(end.message).toContain('secrets are never shown');
    expect(viewer.raw()).not.toContain('hunter2');
  });

  it('with access_as agent, the viewer sees B as agentk does and is told so; back to access_as user, the stream ends', async () => {
    await save('agent');
    const viewer = await watch(w.as.developer, { resource: 'configmaps', namespace: nsB });
    await viewer.until('the configmap of B', (events) => stateOf(events).has(`${nsB}/settings-${nsB}`));
    expect(viewer.events[0]).toEqual({ type: 'access', actsAsAgent: true, namespaces: null });
    expect(viewer.raw()).not.toContain('password-');
    // Back to access_as user (no RoleBinding left): the open stream notices within a re-check and ends.
    await save('user');
    const end = await Promise.race([
      viewer.ended,
      new Promise<never>((_, reject) =>
        setTimeout(
          () => reject(new Error(`the stream did not end; got ${viewer.raw().slice(-1000)}`)),
          60_000,
        ),
      ),
    ]);
    expect(end.status).toBe(403);
    expect(end.message).toContain(`may not list configmaps in namespace ${nsB}`);
  });
});

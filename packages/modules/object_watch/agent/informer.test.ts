// The informer against a scripted HTTP API server (the real kube-apiserver cannot be made to answer 410 Gone on
// demand): a relist after 410 emits only the differences, a watch over the cap stops the resource, and a watch
// line over the bound ends the watch.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { KubeConfig } from '@kubernetes/client-node';
import { afterEach, describe, expect, it } from 'vitest';
import { kubeApiTargetFromKubeConfig, type KubeApiTarget } from '../../kubernetes_api/agent/index';
import { until } from '../../shared/testing/until';
import type { Delta } from '../shared/watch-api';
import { Informer } from './informer';
import { watchLines } from './kube-http';
import { ObjectCache } from './object-cache';

const pod = (uid: string, rv: string) => ({
  metadata: { uid, name: `pod-${uid}`, namespace: 'web', resourceVersion: rv, managedFields: [{ x: 1 }] },
  spec: { containers: [{}] },
  status: { phase: 'Running' },
});
const list = (rv: string, items: unknown[]) => ({
  kind: 'PodList',
  metadata: { resourceVersion: rv },
  items,
});
const line = (type: string, object: unknown) => `${JSON.stringify({ type, object })}\n`;

/** Answers requests in order from `script`; a watch answer is a list of lines, written then the watch is held open. */
type Answer = { status?: number; body: unknown } | { lines: string[]; end?: boolean };

const closers: (() => void)[] = [];
afterEach(() => {
  for (const close of closers.splice(0)) close();
});

async function scriptedServer(script: Answer[]) {
  const requests: string[] = [];
  const open = new Set<http.ServerResponse>();
  const server = http.createServer((req, res) => {
    const url = req.url ?? '';
    if (url === '/api/v1') {
      res.end(JSON.stringify({ resources: [{ name: 'pods', kind: 'Pod', namespaced: true }] }));
      return;
    }
    requests.push(url);
    const answer = script.shift();
    if (!answer) {
      open.add(res);
      return; // hold: nothing more scripted
    }
    if ('lines' in answer) {
      res.writeHead(200, { 'content-type': 'application/json' });
      for (const l of answer.lines) res.write(l);
      if (answer.end) res.end();
      else open.add(res);
      return;
    }
    res.writeHead(answer.status ?? 200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(answer.body));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [
      {
        name: 'c',
        server: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
        skipTLSVerify: true,
      },
    ],
    users: [{ name: 'u', token: 't' }],
    contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
    currentContext: 'x',
  });
  const target: KubeApiTarget = await kubeApiTargetFromKubeConfig(kc);
  closers.push(() => {
    for (const res of open) res.destroy();
    target.close();
    server.close();
  });
  return { target, requests };
}

const fastSleep = (_ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    const t = setTimeout(resolve, 5);
    signal.addEventListener('abort', () => (clearTimeout(t), resolve()), { once: true });
  });

function start(target: KubeApiTarget, maxObjects = 100) {
  const cache = new ObjectCache({ group: '', version: 'v1', resource: 'pods' });
  const deltas: Delta[] = [];
  /** Every status the cache went through, in order. */
  const states: string[] = [];
  cache.subscribe((e) => {
    if (e.type === 'changes') for (const c of e.changes) deltas.push(c.delta);
    const state = `${cache.status.state}: ${cache.status.message}`;
    if (states.at(-1) !== state) states.push(state);
  });
  const informer = new Informer({ target, cache, maxObjects, sleep: fastSleep, recheckMs: 5 });
  informer.start();
  closers.push(() => void informer.stop());
  return { cache, deltas, informer, states };
}

describe('Informer', () => {
  it('relists after 410 Gone and emits only the differences, never a duplicate add', async () => {
    const { target, requests } = await scriptedServer([
      { body: list('10', [pod('a', '1'), pod('b', '1')]) },
      {
        lines: [
          line('ADDED', pod('c', '11')),
          line('ERROR', { kind: 'Status', code: 410, message: 'too old' }),
        ],
      },
      { body: list('12', [pod('a', '1'), pod('c', '11'), pod('d', '12')]) },
      { lines: [line('BOOKMARK', { metadata: { resourceVersion: '13' } })] },
    ]);
    const { cache, deltas, informer } = start(target);
    // The watch after the relist is asked for a moment after the list is applied: wait for its request too.
    await until(
      'the relist and its watch',
      () => informer.lists === 2 && cache.size === 3 && requests.length === 4,
    );
    expect(deltas.map((d) => `${d.type} ${d.row.uid}`)).toEqual(['added c', 'added d', 'deleted b']);
    expect(requests).toEqual([
      '/api/v1/pods?limit=500',
      '/api/v1/pods?watch=1&allowWatchBookmarks=true&resourceVersion=10&timeoutSeconds=300',
      '/api/v1/pods?limit=500',
      '/api/v1/pods?watch=1&allowWatchBookmarks=true&resourceVersion=12&timeoutSeconds=300',
    ]);
    expect(JSON.stringify([...cache.rows()])).not.toContain('managedFields');
    expect(cache.status.state).toBe('ok');
  });

  it('reads every page of a paginated list before it watches', async () => {
    const { target, requests } = await scriptedServer([
      { body: { metadata: { continue: 'next-page' }, items: [pod('a', '1')] } },
      { body: list('5', [pod('b', '2')]) },
    ]);
    const { cache } = start(target);
    await until('both pages', () => cache.synced);
    expect(cache.size).toBe(2);
    expect(requests.slice(0, 2)).toEqual([
      '/api/v1/pods?limit=500',
      '/api/v1/pods?limit=500&continue=next-page',
    ]);
  });

  it('stops the resource with too_many when a watch event passes the cap, and looks again later', async () => {
    const { target } = await scriptedServer([
      { body: list('10', [pod('a', '1'), pod('b', '1')]) },
      { lines: [line('MODIFIED', pod('a', '2')), line('ADDED', pod('c', '11'))] },
      { body: list('12', [pod('a', '2')]) },
    ]);
    const { cache, informer, states } = start(target, 2);
    // After the recheck it lists again and, under the cap, serves again.
    await until('listed again', () => informer.lists === 2 && cache.synced);
    expect(states).toEqual([
      'ok: ',
      expect.stringMatching(/^too_many: too many objects \(3 > 2\), narrow object_watch/),
      'ok: ',
    ]);
    expect(cache.size).toBe(1);
  });

  it('reports what the API server said when it refuses, and retries', async () => {
    const { target } = await scriptedServer([
      { status: 403, body: { kind: 'Status', code: 403, message: 'pods is forbidden' } },
      { status: 500, body: { kind: 'Status', code: 500, message: 'etcd is sad' } },
      { body: list('1', []) },
    ]);
    const { cache, states } = start(target);
    await until('listed', () => cache.synced);
    expect(states).toEqual([
      'ok: ',
      "forbidden: agentk cannot list pods; grant list/watch on pods to agentk's service account",
      'error: watching pods failed: etcd is sad; agentk retries',
      'ok: ',
    ]);
  });
});

describe('watchLines', () => {
  it('ends a watch whose event line is over the bound', async () => {
    const { target } = await scriptedServer([
      { lines: [line('ADDED', pod('a', '1')), `${'x'.repeat(3000)}\n`] },
    ]);
    const seen: unknown[] = [];
    const read = async () => {
      for await (const event of watchLines(target, '/api/v1/pods?watch=1', {
        signal: new AbortController().signal,
        maxLineBytes: 1000,
      }))
        seen.push(event);
    };
    await expect(read()).rejects.toThrow('watch: an event is larger than 1000 bytes');
    expect(seen).toHaveLength(1);
  });
});

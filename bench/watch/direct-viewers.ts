// Child process of bench/watch/run.ts: the baseline. Viewers that watch kube-apiserver directly (each on a TLS
// connection of its own, as separate clients would), and a direct informer that keeps every pod of the cluster as
// full objects (list in pages, then watch), for the memory rows. Speaks protocol.ts on stdin/stdout.
// Arguments: <server> <caFile> <tokenFile>.
import { readFileSync } from 'node:fs';
import https from 'node:https';
import type { IncomingMessage } from 'node:http';
import { Arrivals, epochMs, memory, serveCommands } from './protocol';

const [server, caFile, tokenFile] = process.argv.slice(2);
if (!server || !caFile || !tokenFile)
  throw new Error('usage: direct-viewers.ts <server> <caFile> <tokenFile>');
const ca = readFileSync(caFile, 'utf8');
const authorization = `Bearer ${readFileSync(tokenFile, 'utf8').trim()}`;

interface WatchEvent {
  type: string;
  object: { metadata: { uid?: string; resourceVersion?: string; labels?: Record<string, string> } };
}

function get(path: string, agent?: https.Agent): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    https
      .get(
        `${server}${path}`,
        { ca, agent: agent ?? new https.Agent({ ca }), headers: { authorization } },
        resolve,
      )
      .on('error', reject);
  });
}

async function getJson<T>(path: string): Promise<T> {
  const res = await get(path);
  const chunks: Buffer[] = [];
  for await (const chunk of res) chunks.push(chunk as Buffer);
  const body = Buffer.concat(chunks).toString();
  if (res.statusCode !== 200)
    throw new Error(`GET ${path} answered ${res.statusCode}: ${body.slice(0, 200)}`);
  return JSON.parse(body) as T;
}

/** A watch from `resourceVersion`; `onEvent` gets each event with its arrival time. Resolves once it is live. */
async function openWatch(
  path: string,
  resourceVersion: string,
  onEvent: (event: WatchEvent, at: number) => void,
): Promise<IncomingMessage> {
  const query = `watch=1&allowWatchBookmarks=true&resourceVersion=${resourceVersion}`;
  const res = await get(`${path}${path.includes('?') ? '&' : '?'}${query}`, new https.Agent({ ca }));
  if (res.statusCode !== 200) throw new Error(`watch ${path} answered ${res.statusCode}`);
  let buffer = '';
  res.on('data', (chunk: Buffer) => {
    const at = epochMs();
    buffer += chunk.toString();
    for (let nl = buffer.indexOf('\n'); nl >= 0; nl = buffer.indexOf('\n')) {
      const line = buffer.slice(0, nl);
      buffer = buffer.slice(nl + 1);
      if (line) onEvent(JSON.parse(line) as WatchEvent, at);
    }
  });
  res.on('error', () => undefined);
  return res;
}

function podsPath(namespace?: string, labelSelector?: string): string {
  const base = namespace ? `/api/v1/namespaces/${namespace}/pods` : '/api/v1/pods';
  return labelSelector ? `${base}?labelSelector=${encodeURIComponent(labelSelector)}` : base;
}

const viewers: { request: IncomingMessage; arrivals: Arrivals }[] = [];
/** The informer's pods by uid, full objects as kube-apiserver sent them. */
const cache = new Map<string, unknown>();
/** Resolves once the informer's first list is in `cache`. */
let informing: Promise<void> | undefined;
/** Watch restarts the informer may make in one run (kube-apiserver ends slow or old watches; each restart is cheap). */
const maxInformerRestarts = 500;

/** Every pod of the cluster, in pages, into `cache` (replacing it); resolves with the list's resourceVersion. */
async function listAll(): Promise<string> {
  const fresh = new Map<string, unknown>();
  let resourceVersion = '';
  let next = '';
  for (let page = 0; page < 1000; page++) {
    const list = await getJson<{
      metadata: { resourceVersion: string; continue?: string };
      items: { metadata: { uid: string } }[];
    }>(`/api/v1/pods?limit=500${next ? `&continue=${encodeURIComponent(next)}` : ''}`);
    for (const item of list.items) fresh.set(item.metadata.uid, item);
    resourceVersion = list.metadata.resourceVersion;
    next = list.metadata.continue ?? '';
    if (!next) break;
  }
  cache.clear();
  for (const [uid, item] of fresh) cache.set(uid, item);
  return resourceVersion;
}

/**
 * A direct informer as client-go runs one: list, watch from the list's resourceVersion, re-watch from the last one
 * seen when kube-apiserver ends the watch (it ends watchers too slow to keep up), relist on 410 Gone.
 */
async function inform(): Promise<void> {
  let resourceVersion = await listAll();
  void (async () => {
    for (let restart = 0; restart < maxInformerRestarts; restart++) {
      try {
        if (!resourceVersion) resourceVersion = await listAll();
        const res = await openWatch('/api/v1/pods', resourceVersion, (event) => {
          const { uid, resourceVersion: version } = event.object.metadata;
          if (event.type === 'ERROR') {
            // 410 Gone (too old) or "too large resource version": start over from a fresh list.
            resourceVersion = '';
            return;
          }
          if (version) resourceVersion = version;
          if (!uid) return;
          if (event.type === 'DELETED') cache.delete(uid);
          else if (event.type === 'ADDED' || event.type === 'MODIFIED') cache.set(uid, event.object);
        });
        await new Promise((resolve) => res.once('close', resolve));
      } catch {
        resourceVersion = '';
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    process.stderr.write(`direct informer: gave up after ${maxInformerRestarts} watch restarts\n`);
  })();
}

await serveCommands(async (command) => {
  switch (command.cmd) {
    case 'info':
      return {};
    case 'open': {
      const path = podsPath(command.namespace, command.labelSelector);
      const list = await getJson<{ metadata: { resourceVersion: string } }>(
        `${path}${path.includes('?') ? '&' : '?'}limit=1`,
      );
      const opened = await Promise.all(
        Array.from({ length: command.viewers }, async () => {
          const arrivals = new Arrivals();
          const request = await openWatch(path, list.metadata.resourceVersion, (event, at) => {
            if (event.type === 'MODIFIED' || event.type === 'ADDED')
              arrivals.note(event.object.metadata.labels?.seq, at);
          });
          return { request, arrivals };
        }),
      );
      viewers.push(...opened);
      return { opened: viewers.length };
    }
    case 'report':
      return { viewers: viewers.map((viewer) => viewer.arrivals.take()) };
    case 'close':
      for (const viewer of viewers.splice(0)) viewer.request.destroy();
      return { closed: true };
    case 'mem':
      return memory();
    case 'cache':
      informing ??= inform();
      await informing;
      return { objects: cache.size };
    case 'count':
      return { objects: cache.size };
  }
});

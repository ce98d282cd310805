// Child process of bench/watch/run.ts: kas as the Mooring path runs it, in a process of its own so its memory and
// CPU are its own: the agent listener (reverse tunnel, registrar, configuration) and object_watch's ObjectWatchHub
// on its dialer, with in-process viewers (what the console API's objects.watch runs per browser tab) that record
// when each change reaches them. Speaks protocol.ts on stdin/stdout. Arguments: <agentToken> <maxObjects>.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { inTestTokenVerifier } from '@mooring/modules/modserver/testing/in-test-token-verifier';
import { createObjectWatchHub, type WatchKey } from '@mooring/modules/object_watch/server/index';
import type { ObjectRow } from '@mooring/modules/object_watch/shared/watch-api';
import { startAgentApiServer } from '@mooring/modules/reverse_tunnel/server/testing/agent-api-server';
import { Arrivals, epochMs, memory, serveCommands } from './protocol';

const [agentToken = 'mgt-bench-agent', maxObjectsText = '120000'] = process.argv.slice(2);
const maxObjects = Number(maxObjectsText);
const agentId = 1;
const logger = pino({ level: process.env.BENCH_VERBOSE ? 'info' : 'silent' });
// agentk's object cap must hold the largest pod count of the run; everything else is agentk's default.
const objectWatch = { max_objects_per_resource: maxObjects };
const server = await startAgentApiServer({
  port: 0,
  tls: { mode: 'self-signed', dir: mkdtempSync(join(tmpdir(), 'bench-watch-kas-tls-')) },
  verifyAgentToken: inTestTokenVerifier({ [agentToken]: { agentId, tokenId: 1, projectId: 1 } }),
  configSource: {
    current: () =>
      Promise.resolve({
        version: 'bench-1',
        yaml: `object_watch:\n  max_objects_per_resource: ${maxObjects}\n`,
        config: { object_watch: objectWatch },
      }),
    subscribe: () => () => undefined,
  },
  logger,
});
const hub = createObjectWatchHub({ dialer: server.dialer, log: logger, maxObjects: maxObjects + 10_000 });

interface Viewer {
  controller: AbortController;
  arrivals: Arrivals;
}

/** A viewer of `key`: resolves once its first snapshot is complete; `onRows` sees every snapshot and delta. */
function openViewer(
  key: WatchKey,
  onDelta: (row: ObjectRow, type: string, at: number) => void,
  onSnapshot?: (rows: ObjectRow[], last: boolean) => void,
): Promise<AbortController> {
  const controller = new AbortController();
  return new Promise((resolve, reject) => {
    void (async () => {
      try {
        for await (const event of hub.watch(key, { signal: controller.signal })) {
          const at = epochMs();
          if (event.type === 'deltas') for (const d of event.deltas) onDelta(d.row, d.type, at);
          else if (event.type === 'snapshot') {
            onSnapshot?.(event.rows, event.last);
            if (event.last) resolve(controller);
          } else if (event.type === 'resumed') resolve(controller);
          else if (event.type === 'status' && event.state !== 'ok' && !/connect/i.test(event.message))
            logger.warn({ status: event }, 'viewer status');
        }
      } catch (error) {
        reject(error as Error);
      }
    })();
  });
}

const viewers: Viewer[] = [];
/** The `cache` viewer's rows by uid (every pod of the cluster). */
const cached = new Map<string, ObjectRow>();
let cacheViewer: AbortController | undefined;

await serveCommands(async (command) => {
  switch (command.cmd) {
    case 'info':
      return { agentUrl: server.url, caFile: server.caFile };
    case 'open': {
      const key: WatchKey = {
        agentId,
        resource: 'pods',
        namespace: command.namespace,
        labelSelector: command.labelSelector,
      };
      const opened = await Promise.all(
        Array.from({ length: command.viewers }, async () => {
          const arrivals = new Arrivals();
          const controller = await openViewer(key, (row, type, at) => {
            if (type !== 'deleted') arrivals.note(row.labels.seq, at);
          });
          return { controller, arrivals };
        }),
      );
      viewers.push(...opened);
      return { opened: viewers.length, stats: hub.stats() };
    }
    case 'report':
      return { viewers: viewers.map((viewer) => viewer.arrivals.take()) };
    case 'close':
      for (const viewer of viewers.splice(0)) viewer.controller.abort();
      return { closed: true };
    case 'mem':
      return { ...memory(), ...hub.stats() };
    case 'cache': {
      let pending = new Map<string, ObjectRow>();
      cacheViewer ??= await openViewer(
        { agentId, resource: 'pods' },
        (row, type) => {
          if (type === 'deleted') cached.delete(row.uid);
          else cached.set(row.uid, row);
        },
        (rows, last) => {
          for (const row of rows) pending.set(row.uid, row);
          if (!last) return;
          cached.clear();
          for (const [uid, row] of pending) cached.set(uid, row);
          pending = new Map();
        },
      );
      return { objects: cached.size };
    }
    case 'count':
      return { objects: cached.size };
  }
});

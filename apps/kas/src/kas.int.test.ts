// The module hook of startKas: order, context, readiness, ports, shutdown and cleanup on failure.
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from './config';
import { closeGracefully } from './http/listen';
import { startKas } from './kas';
import { createLogger } from './logger';
import type { KasModule, KasModuleContext } from './module';

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mooring-kas-hook-'));
const config = loadConfig({
  MOORING_DATA_DIR: dataDir,
  MOORING_API_PORT: '0',
  MOORING_OBSERVABILITY_PORT: '0',
  MOORING_ADMIN_PASSWORD: 'admin-password-1',
});
const logger = createLogger({ level: 'silent' });

function listenerModule(name: string, events: string[], ready: { ok: boolean }): KasModule {
  let server: http.Server | undefined;
  return {
    name,
    async start(ctx: KasModuleContext) {
      events.push(`start ${name}`);
      server = http.createServer((_req, res) => res.end(name));
      const port = await ctx.listen(server, 0, name);
      ctx.addReadinessCheck({
        name,
        check: async () => {
          if (!ready.ok) throw new Error(`${name} is not ready`);
        },
      });
      ctx.signal.addEventListener('abort', () => events.push(`abort seen by ${name}`));
      ctx.provide(`${name}-source`, { from: name });
      return { ports: { [name]: port }, urls: { [name]: `http://127.0.0.1:${port}` } };
    },
    async stop() {
      events.push(`stop ${name}`);
      if (server) await closeGracefully(server, 1_000);
    },
  };
}

describe('startKas modules', () => {
  afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));

  it('starts modules in order with their ports, readiness checks and a shutdown signal, and stops them in reverse', async () => {
    const events: string[] = [];
    const ready = { ok: true };
    const kas = await startKas(config, {
      logger,
      modules: [listenerModule('first', events, ready), listenerModule('second', events, ready)],
    });
    try {
      expect(events).toEqual(['start first', 'start second']);
      expect(Object.keys(kas.ports).sort()).toEqual(['api', 'first', 'observability', 'second']);
      expect(await (await fetch(kas.urls.second!)).text()).toBe('second');
      expect(kas.provided.get('second-source')).toEqual({ from: 'second' });
      expect((await fetch(`${kas.urls.observability}/readyz`)).status).toBe(200);
      ready.ok = false;
      const notReady = await fetch(`${kas.urls.observability}/readyz`);
      expect(notReady.status).toBe(503);
      expect(await notReady.text()).toContain('[-] first failed: first is not ready');
    } finally {
      await kas.stop();
    }
    expect(events.slice(2)).toEqual([
      'abort seen by first',
      'abort seen by second',
      'stop second',
      'stop first',
    ]);
    expect(kas.provided.get('second-source')).toBeUndefined();
    await expect(fetch(kas.urls.api)).rejects.toThrow();
  });

  it('refuses two modules providing the same name', async () => {
    const events: string[] = [];
    const twin = (name: string): KasModule => ({
      name,
      async start(ctx) {
        ctx.provide('liveSource', name);
      },
      async stop() {
        events.push(`stop ${name}`);
      },
    });
    await expect(startKas(config, { logger, modules: [twin('a'), twin('b')] })).rejects.toThrow(
      'two modules provide "liveSource"; names must be unique',
    );
    expect(events).toEqual(['stop b', 'stop a']);
  });

  it('undoes everything when a module fails to start, so kas can start again on the same data dir', async () => {
    const events: string[] = [];
    const broken: KasModule = {
      name: 'broken',
      async start() {
        throw new Error('broken module: port exhausted');
      },
      async stop() {
        events.push('stop broken');
      },
    };
    await expect(
      startKas(config, { logger, modules: [listenerModule('ok', events, { ok: true }), broken] }),
    ).rejects.toThrow('broken module: port exhausted');
    expect(events).toEqual(['start ok', 'abort seen by ok', 'stop broken', 'stop ok']);
    const again = await startKas(config, { logger, modules: [] });
    await again.stop();
  });
});

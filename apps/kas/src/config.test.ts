import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { kubernetesApiSettings } from '@mooring/modules/kubernetes_api/server/index';
import { settingValues } from '@mooring/modules/shared/settings';
import { settingsDocsMismatch } from '@mooring/modules/shared/testing/settings-docs';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ConfigError, kasHelp, kasSettings, loadConfig, repoRoot } from './config';
import { defaultModules } from './modules';
import { loadOrCreateSecret } from './secret';

const proxyPortOf = (config: object) => settingValues(kubernetesApiSettings, config).proxyPort;

describe('loadConfig', () => {
  it('uses the documented defaults', () => {
    const config = loadConfig({}, []);
    expect(config).toMatchObject({
      dataDir: path.join(repoRoot, '.mooring'),
      listenHost: '127.0.0.1',
      agentPort: 8150,
      observabilityPort: 8151,
      apiPort: 8153,
      privateApiPort: 8155,
      logLevel: 'info',
    });
    expect(proxyPortOf(config)).toBe(8154);
    expect(config.databaseUrl).toBeUndefined();
    expect(config.consoleUrl).toBeUndefined();
    expect(config.secret).toBeUndefined();
  });

  it('reads every MOORING_* variable, and flags win over env', () => {
    const secret = Buffer.alloc(32, 7).toString('base64');
    const config = loadConfig(
      {
        MOORING_DATA_DIR: '/tmp/x',
        DATABASE_URL: 'postgres://u:p@127.0.0.1:5432/db',
        REDIS_URL: 'redis://127.0.0.1:6379',
        MOORING_SECRET: secret,
        MOORING_ADMIN_PASSWORD: 'long-enough',
        MOORING_AGENT_PORT: '0',
        MOORING_OBSERVABILITY_PORT: '9001',
        MOORING_API_PORT: '9003',
        MOORING_PROXY_PORT: '9004',
        MOORING_PRIVATE_API_PORT: '9005',
      },
      ['--api-port', '0', '--observability-port=0'],
    );
    expect(config.dataDir).toBe('/tmp/x');
    expect(config.databaseUrl).toBe('postgres://u:p@127.0.0.1:5432/db');
    expect(config.redisUrl).toBe('redis://127.0.0.1:6379');
    expect(config.secret?.equals(Buffer.alloc(32, 7))).toBe(true);
    expect(config.adminPassword).toBe('long-enough');
    expect([config.agentPort, config.observabilityPort, config.apiPort]).toEqual([0, 0, 0]);
    expect([proxyPortOf(config), config.privateApiPort]).toEqual([9004, 9005]);
  });

  it('reads the drain grace period in seconds and names the range when it is out of it', () => {
    expect(loadConfig({}, []).shutdownGrace).toBe(30);
    expect(loadConfig({ MOORING_SHUTDOWN_GRACE: '2.5' }, []).shutdownGrace).toBe(2.5);
    expect(loadConfig({}, ['--shutdown-grace', '0']).shutdownGrace).toBe(0);
    expect(() => loadConfig({ MOORING_SHUTDOWN_GRACE: '-1' }, [])).toThrow(
      /MOORING_SHUTDOWN_GRACE.*expected a number of seconds between 0 and 3600/,
    );
    expect(() => loadConfig({ MOORING_SHUTDOWN_GRACE: 'soon' }, [])).toThrow(
      /expected a number of seconds between 0 and 3600/,
    );
  });

  it('ignores the -- separator pnpm may pass through', () => {
    expect(loadConfig({}, ['--', '--api-port', '0']).apiPort).toBe(0);
  });

  it('treats an empty variable as unset', () => {
    expect(loadConfig({ MOORING_API_PORT: '', DATABASE_URL: '' }).apiPort).toBe(8153);
  });

  it.each([
    [
      'MOORING_API_PORT',
      'abc',
      /MOORING_API_PORT \(flag --api-port\): expected a port number 0-65535.*got "abc"/,
    ],
    ['MOORING_AGENT_PORT', '70000', /MOORING_AGENT_PORT.*0-65535/],
    ['MOORING_PROXY_PORT', '1.5', /MOORING_PROXY_PORT.*whole port number/],
    ['DATABASE_URL', 'mysql://x', /DATABASE_URL.*expected a PostgreSQL URL/],
    ['REDIS_URL', 'http://x', /REDIS_URL.*expected a Redis URL/],
    ['MOORING_LOG_LEVEL', 'loud', /MOORING_LOG_LEVEL.*expected one of/],
    ['MOORING_ADMIN_PASSWORD', 'short', /MOORING_ADMIN_PASSWORD.*at least 8 characters/],
    [
      'MOORING_CONSOLE_URL',
      'mooring.example.com',
      /MOORING_CONSOLE_URL \(flag --console-url\): expected the console's public origin/,
    ],
    ['MOORING_CONSOLE_URL', 'ftp://mooring.example.com', /MOORING_CONSOLE_URL.*http:\/\/ or https:\/\//],
    ['MOORING_CONSOLE_URL', 'https://mooring.example.com/console', /MOORING_CONSOLE_URL.*without path/],
    ['MOORING_CONSOLE_URL', 'https://mooring.example.com/?a=1', /MOORING_CONSOLE_URL.*without path, query/],
    [
      'MOORING_AGENT_STREAM_LIMIT',
      '1',
      /MOORING_AGENT_STREAM_LIMIT \(flag --agent-stream-limit\): expected at least 2 streams/,
    ],
    ['MOORING_AGENT_STREAM_LIMIT', 'many', /MOORING_AGENT_STREAM_LIMIT.*expected a whole number/],
    ['MOORING_AGENT_ROUTING_TIMEOUT', '0', /MOORING_AGENT_ROUTING_TIMEOUT.*expected how long a call waits/],
    [
      'MOORING_AGENT_MAX_PODS',
      '0',
      /MOORING_AGENT_MAX_PODS \(flag --agent-max-pods\).*at least 1 pod per agent/,
    ],
    ['MOORING_AGENT_CONFIG_STREAMS_PER_POD', 'x', /MOORING_AGENT_CONFIG_STREAMS_PER_POD.*whole number/],
    ['MOORING_AGENT_TLS', 'plain', /MOORING_AGENT_TLS \(flag --agent-tls\): expected "self-signed"/],
    [
      'MOORING_PROXY_URL',
      'kas.example.com/k8s-proxy',
      /MOORING_PROXY_URL \(flag --proxy-url\): expected an absolute URL such as https:\/\/kas\.example\.com\/k8s-proxy.*got "kas\.example\.com\/k8s-proxy"/,
    ],
    [
      'MOORING_PROXY_URL',
      'grpcs://kas.example.com:8154',
      /MOORING_PROXY_URL.*expected an https:\/\/ \(or http:\/\/\) URL/,
    ],
    [
      'MOORING_PROXY_URL',
      'https://u:p@kas.example.com/k8s-proxy',
      /MOORING_PROXY_URL.*user name or password/,
    ],
    ['MOORING_PROXY_URL', 'https://kas.example.com/k8s-proxy?x=1', /MOORING_PROXY_URL.*query or fragment/],
  ])('names %s when its value %j is bad', (name, value, message) => {
    expect(() => loadConfig({ [name]: value })).toThrow(ConfigError);
    expect(() => loadConfig({ [name]: value })).toThrow(message);
  });

  it('rejects a secret that is not 32 bytes without echoing it', () => {
    const bad = Buffer.alloc(16, 1).toString('base64');
    let error: unknown;
    try {
      loadConfig({ MOORING_SECRET: bad });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toMatch(/MOORING_SECRET.*32 bytes.*got 16 bytes/);
    expect((error as Error).message).not.toContain(bad);
  });

  it('refuses PostgreSQL without MOORING_SECRET, saying to set the same one on every replica and how to make one', () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'kas-config-'));
    const env = { MOORING_DATA_DIR: dataDir, DATABASE_URL: 'postgres://u:p@127.0.0.1:5432/db' };
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(
      /MOORING_SECRET \(--secret\) is not set, but DATABASE_URL is: .*openssl rand -base64 32.* the same MOORING_SECRET on every replica\.$/,
    );
    // A kas that generated its secret in this data dir is told how to keep it.
    writeFileSync(path.join(dataDir, 'secret'), `${randomBytes(32).toString('base64')}\n`, { mode: 0o600 });
    expect(() => loadConfig(env)).toThrow(`MOORING_SECRET="$(cat ${path.join(dataDir, 'secret')})"`);
    // Neither a generated secret on PGlite nor a given one on PostgreSQL is refused.
    expect(loadConfig({ MOORING_DATA_DIR: dataDir }).secret).toBeUndefined();
    const secret = randomBytes(32);
    expect(loadConfig({ ...env, MOORING_SECRET: secret.toString('base64') }).secret).toEqual(secret);
    expect(() => loadOrCreateSecret(dataDir, undefined, { sharedDatabase: true })).toThrow(
      /MOORING_SECRET \(--secret\) is not set, but DATABASE_URL is/,
    );
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('lists every problem at once, unknown flags and module settings included', () => {
    let message = '';
    try {
      loadConfig({ MOORING_API_PORT: '-1', MOORING_PROXY_PORT: 'x', MOORING_AGENT_TLS: 'maybe' }, [
        '--nope',
        '1',
      ]);
    } catch (err) {
      message = (err as Error).message;
    }
    const lines = message.split('\n').slice(1);
    expect(lines).toHaveLength(4);
    expect(lines[0]).toMatch(/unknown argument "--nope"/);
    expect(message).toMatch(
      /MOORING_API_PORT[\s\S]*MOORING_AGENT_TLS[\s\S]*MOORING_PROXY_PORT \(flag --proxy-port\)/,
    );
  });

  it('rejects unknown flags, flags without a value and flags given twice', () => {
    expect(() => loadConfig({}, ['--nope'])).toThrow(/unknown argument "--nope"; kas accepts: --data-dir/);
    expect(() => loadConfig({}, ['--api-port'])).toThrow(/--api-port needs a value/);
    expect(() => loadConfig({}, ['--api-port', '--log-level', 'debug'])).toThrow(/--api-port needs a value/);
    expect(() => loadConfig({}, ['--api-port=1', '--api-port', '2'])).toThrow(
      /--api-port is given more than once/,
    );
  });

  it('never echoes a secret setting', () => {
    const messageOf = (env: Record<string, string>, argv: string[] = []) => {
      try {
        loadConfig(env, argv);
      } catch (err) {
        return (err as Error).message;
      }
      return 'no error';
    };
    expect(messageOf({ MOORING_ADMIN_PASSWORD: 'hunter2' })).toMatch(
      /ADMIN_PASSWORD.*at least 8 characters$/,
    );
    expect(messageOf({}, ['--admin-password', 'hunter2'])).not.toContain('hunter2');
    // Database and Redis URLs carry passwords: a mistyped scheme names the setting, never the value.
    const database = messageOf({ DATABASE_URL: 'postgress://mooring:hunter2@db/mooring' });
    expect(database).toMatch(/DATABASE_URL.*expected a PostgreSQL URL/);
    expect(database).not.toContain('hunter2');
    const redis = messageOf({ REDIS_URL: 'http://:hunter2@cache:6379' });
    expect(redis).toMatch(/REDIS_URL.*expected a Redis URL/);
    expect(redis).not.toContain('hunter2');
  });

  it('reads the public proxy URL (a load balancer), dropping a trailing slash; unset by default', () => {
    // Read as the kubernetes_api module reads it.
    const proxyUrl = (env: Record<string, string>, argv: string[] = []) =>
      settingValues(kubernetesApiSettings, loadConfig(env, argv)).proxyUrl;
    expect(proxyUrl({})).toBeUndefined();
    expect(proxyUrl({ MOORING_PROXY_URL: 'https://kas.example.com/k8s-proxy/' })).toBe(
      'https://kas.example.com/k8s-proxy',
    );
    expect(proxyUrl({}, ['--proxy-url', 'http://127.0.0.1:40123/k8s-proxy'])).toBe(
      'http://127.0.0.1:40123/k8s-proxy',
    );
  });

  it('keeps the console URL as its origin', () => {
    expect(loadConfig({ MOORING_CONSOLE_URL: 'https://Mooring.Example.com/' }).consoleUrl).toBe(
      'https://mooring.example.com',
    );
    expect(loadConfig({}, ['--console-url', 'http://127.0.0.1:3000']).consoleUrl).toBe(
      'http://127.0.0.1:3000',
    );
  });
});

describe("modules' settings", () => {
  const fixture = {
    name: 'fixture',
    settings: {
      fixtureLimit: {
        env: 'MOORING_FIXTURE_LIMIT',
        flag: '--fixture-limit',
        schema: z.coerce.number({ error: 'expected a number' }).default(3),
        description: 'a fixture module setting',
      },
    },
  };

  it('joins kas table: parsed, checked with the rest, read back by the module', () => {
    const config = loadConfig({ MOORING_FIXTURE_LIMIT: '7' }, [], [fixture]);
    expect(settingValues(fixture.settings, config)).toEqual({ fixtureLimit: 7 });
    expect(() => loadConfig({}, ['--fixture-limit', 'x', '--api-port', 'y'], [fixture])).toThrow(
      /MOORING_API_PORT[\s\S]*MOORING_FIXTURE_LIMIT \(flag --fixture-limit\): expected a number \(got "x"\)/,
    );
    // Without the module its flag is unknown, and a module reading a setting that was not loaded is told why.
    expect(() => loadConfig({}, ['--fixture-limit', '1'], [])).toThrow(/unknown argument "--fixture-limit"/);
    expect(() => settingValues(fixture.settings, loadConfig({}, [], []))).toThrow(
      /lacks MOORING_FIXTURE_LIMIT \(flag --fixture-limit\)/,
    );
  });

  it('refuses a module setting that reuses a variable or flag', () => {
    const twin = {
      name: 'twin',
      settings: { other: { ...fixture.settings.fixtureLimit, env: 'MOORING_API_PORT' } },
    };
    expect(() => loadConfig({}, [], [twin])).toThrow(/MOORING_API_PORT is defined twice, by kas and by twin/);
  });
});

describe('the settings table', () => {
  it('kas --help prints every setting with its variable, flag, default and description', () => {
    const help = kasHelp();
    for (const [key, s] of Object.entries(kasSettings())) {
      const line = help.split('\n').find((l) => l.trimStart().startsWith(`${s.env} `));
      expect(line, key).toBeDefined();
      if (s.flag) expect(line).toContain(s.flag);
      expect(help).toContain(s.description);
    }
    expect(help).toMatch(/MOORING_PROXY_PORT +--proxy-port +8154/);
    expect(help).toMatch(/MOORING_SECRET +--secret +generated/);
  });

  it('is what docs/operate.md lists, no more, no fewer', () => {
    const docs = readFileSync(path.join(repoRoot, 'docs/operate.md'), 'utf8');
    expect(settingsDocsMismatch(kasSettings(defaultModules()), docs)).toEqual([]);
  });
});

import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, repoRoot } from './config';

describe('loadConfig', () => {
  it('uses the documented defaults', () => {
    const config = loadConfig({}, []);
    expect(config).toMatchObject({
      dataDir: path.join(repoRoot, '.mooring'),
      listenHost: '127.0.0.1',
      agentPort: 8150,
      observabilityPort: 8151,
      apiPort: 8153,
      proxyPort: 8154,
      privateApiPort: 8155,
      logLevel: 'info',
    });
    expect(config.databaseUrl).toBeUndefined();
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
    expect([config.proxyPort, config.privateApiPort]).toEqual([9004, 9005]);
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

  it('lists every problem at once', () => {
    expect(() => loadConfig({ MOORING_API_PORT: '-1', MOORING_PROXY_PORT: 'x' })).toThrow(
      /MOORING_API_PORT[\s\S]*MOORING_PROXY_PORT/,
    );
  });

  it('rejects unknown flags and flags without a value', () => {
    expect(() => loadConfig({}, ['--nope'])).toThrow(/unknown argument "--nope"; kas accepts: --data-dir/);
    expect(() => loadConfig({}, ['--api-port'])).toThrow(/--api-port needs a value/);
  });
});

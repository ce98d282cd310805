import { describe, expect, it } from 'vitest';
import { collectSettings, parseSettings, settingValues } from '../shared/settings';
import { agentServerOptions, agentServerSettings } from './settings';

// The agent listener's own table (the modules on it add theirs; apps/kas/src/config.test.ts checks them in kas's table).
const table = collectSettings([{ name: 'agent server', settings: agentServerSettings }]);
const parse = (env: Record<string, string>, argv: string[] = []) =>
  parseSettings(table, { env, argv }, 'kas');

describe('agent listener settings', () => {
  it.each([
    [
      { MOORING_AGENT_TLS: 'plain' },
      /MOORING_AGENT_TLS \(flag --agent-tls\): expected "self-signed" \(default\) or "insecure"/,
    ],
    [
      { MOORING_AGENT_MAX_CONNECTION_AGE: '-5' },
      /MOORING_AGENT_MAX_CONNECTION_AGE \(flag --agent-max-connection-age\): expected the maximum connection age in seconds, above 0/,
    ],
  ])('refuses %j with a message naming the setting', (env, message) => {
    const parsed = parse(env);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.problems.join('\n')).toMatch(message);
  });

  it('reports every bad setting at once, flags included', () => {
    const parsed = parse({ MOORING_AGENT_TLS: 'plain' }, ['--agent-max-connection-age', '0']);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.problems).toHaveLength(2);
  });

  it('refuses a certificate without its key, naming the fix', () => {
    const parsed = parse({ MOORING_AGENT_TLS_CERT_FILE: '/tls.crt' });
    expect(parsed.ok).toBe(true);
    if (parsed.ok)
      expect(() => agentServerOptions(settingValues(agentServerSettings, parsed.values), '/data')).toThrow(
        /MOORING_AGENT_TLS_CERT_FILE and MOORING_AGENT_TLS_KEY_FILE must be set together: set both/,
      );
  });

  it('defaults to a self-signed certificate in the data dir', () => {
    const parsed = parse({}, ['--agent-max-connection-age', '60']);
    expect(parsed.ok).toBe(true);
    if (parsed.ok)
      expect(agentServerOptions(settingValues(agentServerSettings, parsed.values), '/data')).toEqual({
        tls: { mode: 'self-signed', dir: '/data/tls/agent-api' },
        maxConnectionAge: { ageMs: 60_000, graceMs: undefined },
      });
  });
});

import { describe, expect, it } from 'vitest';
import { agentRegistrarSettings } from '../agent_registrar/server/settings';
import { agentConfigurationSettings } from '../agent_configuration/server/settings';
import { reverseTunnelSettings } from '../reverse_tunnel/server/settings';
import { collectSettings, parseSettings, settingValues } from '../shared/settings';
import { agentServerOptions, agentServerSettings } from './settings';

// The agent listener's table with the contributions of the modules on it, as kas's loadConfig collects them.
const table = collectSettings([
  { name: 'agent server', settings: agentServerSettings },
  { name: 'reverse_tunnel', settings: reverseTunnelSettings },
  { name: 'agent_registrar', settings: agentRegistrarSettings },
  { name: 'agent_configuration', settings: agentConfigurationSettings },
]);
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
    [
      { MOORING_AGENT_STREAM_LIMIT: '1' },
      /MOORING_AGENT_STREAM_LIMIT.*expected at least 2 streams per agent/,
    ],
    [{ MOORING_AGENT_STREAM_LIMIT: 'many' }, /MOORING_AGENT_STREAM_LIMIT.*expected a whole number/],
    [{ MOORING_AGENT_ROUTING_TIMEOUT: '0' }, /MOORING_AGENT_ROUTING_TIMEOUT.*expected how long a call waits/],
    [{ MOORING_AGENT_MAX_PODS: '0' }, /MOORING_AGENT_MAX_PODS.*expected at least 1 pod per agent/],
    [{ MOORING_AGENT_CONFIG_STREAMS_PER_POD: 'x' }, /MOORING_AGENT_CONFIG_STREAMS_PER_POD.*whole number/],
  ])('refuses %j with a message naming the setting', (env, message) => {
    const parsed = parse(env);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.problems.join('\n')).toMatch(message);
  });

  it('reports every bad setting at once, flags included', () => {
    const parsed = parse({ MOORING_AGENT_TLS: 'plain' }, ['--agent-stream-limit', '1']);
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
    if (parsed.ok) {
      expect(agentServerOptions(settingValues(agentServerSettings, parsed.values), '/data')).toEqual({
        tls: { mode: 'self-signed', dir: '/data/tls/agent-api' },
        maxConnectionAge: { ageMs: 60_000, graceMs: undefined },
      });
      expect(parsed.values).toMatchObject({ agentMaxPods: 100, agentConfigStreamsPerPod: 2 });
    }
  });
});

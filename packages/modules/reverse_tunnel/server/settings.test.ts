import { describe, expect, it } from 'vitest';
import { createReverseTunnelKasModule, type ReverseTunnelModuleContext } from './index';
import { agentServerSettingsFromEnv } from '../../modserver/index';

describe('agent listener settings', () => {
  it.each([
    [{ MOORING_AGENT_TLS: 'plain' }, /MOORING_AGENT_TLS: expected "self-signed" \(default\) or "insecure"/],
    [
      { MOORING_AGENT_MAX_CONNECTION_AGE: '-5' },
      /MOORING_AGENT_MAX_CONNECTION_AGE: expected the maximum connection age in seconds, above 0/,
    ],
    [
      { MOORING_AGENT_TLS_CERT_FILE: '/tls.crt' },
      /MOORING_AGENT_TLS_CERT_FILE and MOORING_AGENT_TLS_KEY_FILE must be set together/,
    ],
  ])('refuses %j with a message naming the setting', (env, message) => {
    expect(() => agentServerSettingsFromEnv(env, '/data')).toThrow(message);
  });

  it('defaults to a self-signed certificate in the data dir', () => {
    expect(agentServerSettingsFromEnv({ MOORING_AGENT_MAX_CONNECTION_AGE: '60' }, '/data')).toEqual({
      tls: { mode: 'self-signed', dir: '/data/tls/agent-api' },
      maxConnectionAge: { ageMs: 60_000, graceMs: undefined },
    });
  });
});

// start() validates its settings before it touches the context, so an empty context is enough here.
const noContext = {} as ReverseTunnelModuleContext;

describe('reverse_tunnel kas module settings', () => {
  it.each([
    [
      { MOORING_AGENT_STREAM_LIMIT: '1' },
      /MOORING_AGENT_STREAM_LIMIT: expected at least 2 streams per agent/,
    ],
    [{ MOORING_AGENT_STREAM_LIMIT: 'many' }, /MOORING_AGENT_STREAM_LIMIT: expected a whole number/],
    [{ MOORING_AGENT_ROUTING_TIMEOUT: '0' }, /MOORING_AGENT_ROUTING_TIMEOUT: expected how long a call waits/],
  ])('refuses %j with a message naming the setting', async (env, message) => {
    const module = createReverseTunnelKasModule({ env });
    await expect(module.start(noContext)).rejects.toThrow(message);
    expect(() => module.dialer()).toThrow(/has not started yet/);
  });
});

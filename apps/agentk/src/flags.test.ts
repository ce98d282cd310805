import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FlagError, parseAgentkFlags } from './flags';

const POD = { POD_NAME: 'agentk-0', POD_NAMESPACE: 'mooring-system' };

describe('parseAgentkFlags', () => {
  it('parses GitLab-style flags, repeatable headers and the token from a file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'agentk-flags-'));
    writeFileSync(join(dir, 'token'), 'mgt-abc\n');
    const flags = parseAgentkFlags(
      [
        '--kas-address', 'grpcs://127.0.0.1:8150', '--token-file', join(dir, 'token'),
        '--kas-header', 'Cookie: canary=1', '--kas-header', 'X-Extra:  two words',
        '--kas-tls-server-name', 'kas.example.com', '--observability-listen-address', ':0', '--max-streams', '100',
      ], // prettier-ignore
      POD,
    );
    expect(flags).toMatchObject({
      kasAddress: 'grpcs://127.0.0.1:8150',
      token: 'mgt-abc',
      kasHeaders: [
        ['cookie', 'canary=1'],
        ['x-extra', 'two words'],
      ],
      kasTlsServerName: 'kas.example.com',
      observabilityListenAddress: { host: '0.0.0.0', port: 0 },
      maxStreams: 100,
      podName: 'agentk-0',
      kubeconfig: null,
    });
  });

  it('takes the token from MOORING_AGENT_TOKEN', () => {
    expect(
      parseAgentkFlags(['--kas-address', 'grpc://kas:8150'], { ...POD, MOORING_AGENT_TOKEN: 'mgt-env' })
        .token,
    ).toBe('mgt-env');
  });

  it.each([
    [['--kas-address', 'https://kas'], POD, /--kas-address: expected grpc:\/\/host:port/],
    [['--kas-address', 'grpc://kas:1'], POD, /agent token is missing: pass --token-file/],
    [
      ['--kas-address', 'grpc://kas:1', '--max-streams', 'lots'],
      { ...POD, MOORING_AGENT_TOKEN: 't' },
      /--max-streams: expected a whole number/,
    ],
    [
      ['--kas-address', 'grpc://kas:1', '--kas-header', 'nocolon'],
      { ...POD, MOORING_AGENT_TOKEN: 't' },
      /--kas-header\.0: expected "Name: value"/,
    ],
    [
      ['--kas-address', 'grpc://kas:1', '--kas-header', 'Authorization: x'],
      { ...POD, MOORING_AGENT_TOKEN: 't' },
      /authorization cannot be set/i,
    ],
    [
      ['--kas-address', 'grpc://kas:1'],
      { MOORING_AGENT_TOKEN: 't' },
      /POD_NAME and POD_NAMESPACE must be set/,
    ],
    [['--kas-address', 'grpc://kas:1', '--bogus'], POD, /Unknown option '--bogus'/],
    [
      ['--kas-address', 'grpc://kas:1', '--token-file', '/nonexistent/token'],
      POD,
      /--token-file: cannot read \/nonexistent\/token/,
    ],
    [
      ['--kas-address', 'grpc://kas:1', '--ca-cert-file', '/x.pem'],
      { ...POD, MOORING_AGENT_TOKEN: 't' },
      /needs a grpcs:\/\//,
    ],
  ] as const)('rejects %j with a clear message', (argv, env, message) => {
    expect(() => parseAgentkFlags([...argv], { ...env })).toThrow(FlagError);
    expect(() => parseAgentkFlags([...argv], { ...env })).toThrow(message);
  });
});

import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { settingsDocsMismatch } from '@mooring/modules/shared/testing/settings-docs';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { agentkHelp, agentkSettingsTable, FlagError, parseAgentkFlags } from './flags';

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
      moduleSettings: { observabilityListenAddress: { host: '0.0.0.0', port: 0 }, maxStreams: 100 },
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
      /--kas-header: expected "Name: value"/,
    ],
    [
      ['--kas-address', 'grpc://kas:1', '--kas-header', 'Authorization: x'],
      { ...POD, MOORING_AGENT_TOKEN: 't' },
      /authorization cannot be set/i,
    ],
    [
      ['--kas-address', 'grpc://kas:1'],
      { MOORING_AGENT_TOKEN: 't' },
      /POD_NAME: is required: in a cluster the downward API sets it[\s\S]*POD_NAMESPACE: is required/,
    ],
    [
      ['--kas-address', 'grpc://kas:1', '--bogus'],
      POD,
      /unknown argument "--bogus"; agentk accepts: --kas-address, --token-file/,
    ],
    [
      ['--kas-address', 'grpc://kas:1', '--token-file', '/x'],
      { ...POD, MOORING_AGENT_TOKEN: 't' },
      /either with --token-file or MOORING_AGENT_TOKEN, not both/,
    ],
    [['--kas-address', 'grpc://kas:1', '--log-level', 'loud'], POD, /--log-level: expected one of trace/],
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
    [[], { ...POD, MOORING_AGENT_TOKEN: 't' }, /--kas-address: is required.*--receptive-\* flags/],
    [
      ['--receptive-cert-file', '/c.pem', '--receptive-key-file', '/k.pem'],
      { ...POD, MOORING_AGENT_TOKEN: 't' },
      /exactly one of --receptive-jwt-public-key-file .* or --receptive-client-ca-file/,
    ],
    [
      ['--receptive-jwt-public-key-file', '/j.pem'],
      { ...POD, MOORING_AGENT_TOKEN: 't' },
      /--receptive-cert-file: is required in receptive mode/,
    ],
    [
      [
        '--kas-address',
        'grpc://kas:1',
        '--receptive-cert-file',
        '/c',
        '--receptive-key-file',
        '/k',
        '--receptive-client-ca-file',
        '/ca',
      ],
      { ...POD, MOORING_AGENT_TOKEN: 't' },
      /give --kas-address .* or the --receptive-\* flags .*, not both/,
    ],
    [
      ['--receptive-listen-address', 'anywhere'],
      { ...POD, MOORING_AGENT_TOKEN: 't' },
      /--receptive-listen-address: expected host:port or :port/,
    ],
  ] as const)('rejects %j with a clear message', (argv, env, message) => {
    expect(() => parseAgentkFlags([...argv], { ...env })).toThrow(FlagError);
    expect(() => parseAgentkFlags([...argv], { ...env })).toThrow(message);
  });
});

describe('receptive mode', () => {
  it('turns on with the --receptive-* flags, listens on :8082 by default and needs no --kas-address', () => {
    const flags = parseAgentkFlags(
      [
        '--receptive-cert-file',
        'c.pem',
        '--receptive-key-file',
        'k.pem',
        '--receptive-jwt-public-key-file',
        'j.pem',
      ],
      { ...POD, MOORING_AGENT_TOKEN: 'mgt-x' },
      '/etc/agentk',
    );
    expect(flags.kasAddress).toBeNull();
    expect(flags.receptive).toEqual({
      listenAddress: ':8082',
      certFile: '/etc/agentk/c.pem',
      keyFile: '/etc/agentk/k.pem',
      jwtPublicKeyFile: '/etc/agentk/j.pem',
      clientCaFile: null,
    });
  });

  it('is off without them', () => {
    const flags = parseAgentkFlags(['--kas-address', 'grpc://kas:1'], {
      ...POD,
      MOORING_AGENT_TOKEN: 'mgt-x',
    });
    expect(flags.receptive).toBeNull();
  });
});

describe('agentk settings table', () => {
  it('lists every problem at once and never echoes a header or the token', () => {
    let message = '';
    try {
      parseAgentkFlags(
        ['--kas-address', 'https://kas', '--kas-header', 'Cookie session=s3cret', '--max-streams', '1'],
        { MOORING_AGENT_TOKEN: 'mgt-secret' },
      );
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message.split('\n').slice(1)).toEqual([
      '  --kas-address: expected grpc://host:port or grpcs://host:port (no path), e.g. grpcs://127.0.0.1:8150 (got "https://kas")',
      '  --kas-header: expected "Name: value", e.g. "Cookie: canary=1"',
      expect.stringMatching(/^ {2}POD_NAME: is required/),
      expect.stringMatching(/^ {2}POD_NAMESPACE: is required/),
      // A module's flag (reverse_tunnel's), checked in the same pass as agentk's own.
      '  --max-streams: expected at least 2 (the pool keeps 2 idle tunnels) (got "1")',
    ]);
    expect(message).not.toContain('s3cret');
  });

  it('resolves relative file flags from the given directory', () => {
    const dir = mkdtempSync(join(tmpdir(), 'agentk-flags-'));
    writeFileSync(join(dir, 'token'), 'mgt-rel\n');
    const flags = parseAgentkFlags(
      ['--kas-address=grpcs://kas:8150', '--token-file=token', '--kubeconfig', 'kube.yaml'],
      POD,
      dir,
    );
    expect([flags.token, flags.kubeconfig]).toEqual(['mgt-rel', join(dir, 'kube.yaml')]);
  });

  it('takes settings a module contributes', () => {
    const fixture = {
      name: 'fixture',
      settings: {
        fixtureMode: {
          flag: '--fixture-mode',
          schema: z.enum(['a', 'b'], { error: 'expected a or b' }).default('a'),
          description: 'a fixture module setting',
        },
      },
    };
    const argv = ['--kas-address', 'grpc://kas:1', '--fixture-mode', 'b'];
    const env = { ...POD, MOORING_AGENT_TOKEN: 't' };
    expect(parseAgentkFlags(argv, env, '/', [fixture])).toMatchObject({
      moduleSettings: { fixtureMode: 'b' },
    });
    expect(() => parseAgentkFlags(argv, env)).toThrow(/unknown argument "--fixture-mode"/);
    expect(agentkHelp([fixture])).toMatch(/--fixture-mode +a\n +a fixture module setting/);
  });

  it("has the modules' flags only through their contributions", () => {
    const table = agentkSettingsTable();
    expect(table.maxStreams?.flag).toBe('--max-streams');
    expect(table.observabilityListenAddress?.flag).toBe('--observability-listen-address');
    const own = agentkSettingsTable([]);
    expect(Object.keys(own)).not.toContain('maxStreams');
    expect(Object.keys(own)).not.toContain('observabilityListenAddress');
    const env = { ...POD, MOORING_AGENT_TOKEN: 't' };
    expect(() =>
      parseAgentkFlags(['--kas-address', 'grpc://kas:1', '--max-streams', '9'], env, '/', []),
    ).toThrow(/unknown argument "--max-streams"/);
  });

  it('agentk --help prints every setting with its variable, flag, default and description', () => {
    const help = agentkHelp();
    expect(help).toMatch(/— +--kas-address +required\n/);
    expect(help).toMatch(/— +--max-streams +500\n/);
    expect(help).toMatch(/POD_NAME +— +required\n/);
    for (const setting of Object.values(agentkSettingsTable())) expect(help).toContain(setting.description);
  });

  it('is what docs/agentk.md lists, no more, no fewer', () => {
    const docs = readFileSync(new URL('../../../docs/agentk.md', import.meta.url), 'utf8');
    expect(settingsDocsMismatch(agentkSettingsTable(), docs)).toEqual([]);
  });
});

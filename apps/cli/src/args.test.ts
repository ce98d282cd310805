import { describe, expect, it } from 'vitest';
import { parseCommandLine } from './args';
import { CliError, exitCodes } from './errors';

function usage(argv: string[]): string {
  try {
    parseCommandLine(argv);
  } catch (err) {
    expect(err).toBeInstanceOf(CliError);
    expect((err as CliError).exitCode).toBe(exitCodes.usage);
    return (err as CliError).message;
  }
  throw new Error(`${argv.join(' ')} parsed`);
}

describe('the command line', () => {
  it('splits <project path>/<agent name> at the last slash and requires the image repository', () => {
    const parsed = parseCommandLine([
      'agent',
      'register',
      'platform/team/prod/edge',
      '--image-repository',
      'registry.example.com/mooring/agentk',
      '-o',
      'json',
    ]);
    expect(parsed).toEqual({
      command: 'agent register',
      flags: expect.objectContaining({
        ref: { projectPath: 'platform/team/prod', agentName: 'edge' },
        'image-repository': 'registry.example.com/mooring/agentk',
        output: 'json',
      }),
    });
    expect(usage(['agent', 'register', 'platform/prod/edge'])).toMatch(/^--image-repository is required/);
    expect(usage(['agent', 'register', 'edge', '--image-repository', 'r'])).toContain(
      'must be <project path>/<agent name>',
    );
    expect(usage(['agent', 'register'])).toContain('needs <project path>/<agent name>');
    expect(
      usage(['agent', 'register', 'a/b', '--image-repository', 'r', '--kas-address', 'http://x']),
    ).toContain('--kas-address must be grpc://host:port or grpcs://host:port');
  });

  it('names unknown commands, subcommands and flags', () => {
    expect(usage(['frobnicate'])).toContain('unknown command "frobnicate"');
    expect(usage(['token'])).toBe('mooring token needs a subcommand: create, list, revoke');
    expect(usage(['agents', 'list', '--colour'])).toMatch(
      /Unknown option '--colour'.*usage: mooring agents list/,
    );
    expect(usage(['agents', 'list', 'extra'])).toContain('unexpected argument "extra"');
    expect(usage(['agents', 'list', '--output', 'xml'])).toContain('--output must be text or json');
  });

  it('checks days, scopes and ids', () => {
    expect(parseCommandLine(['login'])).toMatchObject({
      flags: { 'expires-in-days': 30, 'password-stdin': false },
    });
    expect(usage(['login', '--expires-in-days', '0'])).toContain(
      '--expires-in-days must be between 1 and 365 days',
    );
    expect(usage(['login', '--expires-in-days', '1.5'])).toContain('must be a whole number of days');
    expect(
      parseCommandLine(['token', 'create', '--name', 'ci', '--scopes', 'read_api,k8s_proxy']),
    ).toMatchObject({
      flags: { scopes: ['read_api', 'k8s_proxy'] },
    });
    expect(usage(['token', 'create', '--name', 'ci', '--scopes', 'root'])).toContain(
      '--scopes takes api, read_api',
    );
    expect(usage(['token', 'create'])).toMatch(/^--name is required/);
    expect(usage(['token', 'revoke', 'abc'])).toContain('the token id must be a number');
    expect(parseCommandLine(['token', 'revoke', '12'])).toMatchObject({ flags: { ref: 12 } });
    expect(parseCommandLine(['kubeconfig', '--output', 'yaml'])).toMatchObject({ flags: { output: 'yaml' } });
  });

  it('answers help and version without a kas', () => {
    expect(parseCommandLine([])).toEqual({ command: 'help' });
    expect(parseCommandLine(['agents', 'list', '--help'])).toEqual({ command: 'help', topic: 'agents list' });
    expect(parseCommandLine(['--version'])).toEqual({ command: 'version' });
    expect(usage(Array.from({ length: 65 }, () => 'x'))).toContain('too many arguments');
  });
});

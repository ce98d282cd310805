import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  collectSettings,
  describeSettings,
  parseSettings,
  portSchema,
  settingsHelp,
  settingValues,
  wantsHelp,
  type SettingsTable,
} from './settings';
import { documentedSettings, settingsDocsMismatch } from './testing/settings-docs';

const table = {
  port: { env: 'APP_PORT', flag: '--port', schema: portSchema.default(80), description: 'the port' },
  name: { flag: '--name', schema: z.string({ error: 'is required' }), description: 'a name' },
  token: {
    env: 'APP_TOKEN',
    schema: z.string().min(10, 'expected 10 characters').optional(),
    secret: true,
    description: 'a token',
  },
  tag: {
    flag: '--tag',
    repeatable: true,
    schema: z.array(z.string().min(2, 'expected 2 characters')).default([]),
    description: 'tags',
  },
  mode: {
    env: 'APP_MODE',
    flag: '--mode',
    schema: z.string().optional(),
    defaultText: 'derived',
    description: 'a mode',
  },
} as const satisfies SettingsTable;

describe('parseSettings', () => {
  it('reads flags over env over defaults, repeatable flags, = and separate values, and skips --', () => {
    const parsed = parseSettings(
      table,
      {
        env: { APP_PORT: '81', APP_MODE: 'env', APP_TOKEN: '' },
        argv: ['--', '--name=x', '--tag', 'ab', '--tag=cd', '--mode', 'flag'],
      },
      'app',
    );
    expect(parsed).toEqual({
      ok: true,
      values: { port: 81, name: 'x', token: undefined, tag: ['ab', 'cd'], mode: 'flag' },
    });
  });

  it('treats an empty flag as unset, even over the environment', () => {
    const parsed = parseSettings(
      table,
      { env: { APP_MODE: 'env' }, argv: ['--name', 'x', '--mode='] },
      'app',
    );
    expect(parsed.ok && parsed.values.mode).toBeUndefined();
  });

  it('returns every problem, labelled by variable and flag, without echoing secrets', () => {
    const parsed = parseSettings(
      table,
      {
        env: { APP_PORT: 'x', APP_TOKEN: 'short' },
        argv: ['--tag', 'a', '--what', 'value', 'stray', '--port'],
      },
      'app',
    );
    expect(parsed).toEqual({
      ok: false,
      problems: [
        'unknown argument "--what"; app accepts: --port, --name, --tag, --mode (and --help)',
        'unknown argument "stray"; app accepts: --port, --name, --tag, --mode (and --help)',
        '--port needs a value',
        'APP_PORT (flag --port): expected a port number 0-65535 (0 picks a free port) (got "x")',
        '--name: is required',
        'APP_TOKEN: expected 10 characters',
        '--tag: expected 2 characters (got "a")',
      ],
    });
  });
});

describe('collectSettings', () => {
  it('merges contributions and refuses duplicates, naming both', () => {
    const extra = { x: { env: 'APP_X', schema: z.string().optional(), description: 'x' } };
    expect(
      Object.keys(
        collectSettings([
          { name: 'app', settings: table },
          { name: 'mod', settings: extra },
          { name: 'none' },
        ]),
      ),
    ).toEqual(['port', 'name', 'token', 'tag', 'mode', 'x']);
    expect(() =>
      collectSettings([
        { name: 'app', settings: table },
        { name: 'mod', settings: { x: { ...extra.x, flag: '--port' } } },
      ]),
    ).toThrow('setting --port is defined twice, by app and by mod; rename one of them');
    expect(() =>
      collectSettings([
        { name: 'app', settings: table },
        { name: 'mod', settings: { port: extra.x } },
      ]),
    ).toThrow(/key port is defined twice/);
    expect(() => collectSettings([{ name: 'mod', settings: { h: { ...extra.x, flag: '--help' } } }])).toThrow(
      /not a usable flag/,
    );
    expect(() =>
      collectSettings([{ name: 'mod', settings: { n: { schema: z.string(), description: 'n' } } }]),
    ).toThrow(/neither an environment variable nor a flag/);
  });
});

describe('describeSettings and settingsHelp', () => {
  it('derives defaults from the schema unless a default text is given', () => {
    expect(describeSettings(table).map((r) => [r.key, r.default])).toEqual([
      ['port', '80'],
      ['name', 'required'],
      ['token', 'unset'],
      ['tag', 'unset'],
      ['mode', 'derived'],
    ]);
  });

  it('prints variable, flag, default and description for each setting', () => {
    expect(settingsHelp(table, 'Usage: app')).toBe(
      [
        'Usage: app',
        '',
        '  variable   flag      default',
        '  APP_PORT   --port    80',
        '      the port',
        '  —          --name    required',
        '      a name',
        '  APP_TOKEN  —         unset',
        '      a token',
        '  —          --tag     unset',
        '      tags',
        '  APP_MODE   --mode    derived',
        '      a mode',
        '',
      ].join('\n'),
    );
  });

  it('recognises --help and -h', () => {
    expect([wantsHelp(['--port', '1', '--help']), wantsHelp(['-h']), wantsHelp(['--port', '1'])]).toEqual([
      true,
      true,
      false,
    ]);
  });
});

describe('settingValues', () => {
  it("picks a table's values out of a configuration, or says which were not loaded", () => {
    expect(settingValues({ port: table.port }, { port: 81, other: 1 })).toEqual({ port: 81 });
    expect(() => settingValues(table, { port: 81 })).toThrow(
      /lacks --name, APP_TOKEN, --tag, APP_MODE \(flag --mode\)/,
    );
  });
});

describe('settingsDocsMismatch', () => {
  const docs = (rows: string[]) =>
    [
      '# App',
      '',
      '| variable | flag | default | meaning |',
      '| --- | --- | --- | --- |',
      ...rows,
      '',
      'text | not a row',
    ].join('\n');
  const rows = [
    '| `APP_PORT` | `--port` | 80 | the port |',
    '| — | `--name` | required | a name |',
    '| `APP_TOKEN` | — | unset | a token |',
    '| — | `--tag` | unset | tags |',
    '| `APP_MODE` | `--mode` | derived | a mode |',
  ];

  it('reads the rows of variable | flag | default tables only', () => {
    expect(
      documentedSettings(docs(rows) + '\n\n| path | answers |\n| --- | --- |\n| `/livez` | ok |'),
    ).toHaveLength(5);
  });

  it('is empty when the docs list exactly the table', () => {
    expect(settingsDocsMismatch(table, docs(rows))).toEqual([]);
  });

  it('names what is missing, extra, twice or with another default', () => {
    expect(
      settingsDocsMismatch(
        table,
        docs([
          ...rows.slice(1, 4),
          '| `APP_MODE` | `--mode` | `other` | m |',
          '| `APP_OLD` | — | unset | gone |',
          rows[1]!,
        ]),
      ),
    ).toEqual([
      'documented twice: --name',
      'not documented: APP_PORT / --port (default 80)',
      'APP_MODE / --mode: the docs say default other, the table derived',
      'documented but not a setting: APP_OLD',
    ]);
  });
});

// One settings table per app (kas, agentk): each entry names its environment variable and/or flag, the zod schema of
// its raw string, a description and, where the schema's own default does not say it, the default as users read it.
// Modules contribute tables; the app collects them, parses everything at once before anything binds, and prints
// the same table for `--help`. Its docs list exactly these entries (a unit test per app checks that).
import { z } from 'zod';

export interface Setting {
  /** The environment variable; omitted for a flag-only setting. */
  readonly env?: string;
  /** The flag mirroring it (`--name`); omitted for an environment-only setting. */
  readonly flag?: string;
  /** Checks and converts the raw string (`undefined` when unset); `.default(…)` gives the default. */
  readonly schema: z.ZodType;
  /** What it does, one sentence, for `--help`; the docs may say more. */
  readonly description: string;
  /** The default as users read it, when the schema's own is not telling (generated, derived, a path). */
  readonly defaultText?: string;
  /** Its value is never echoed in an error. */
  readonly secret?: boolean;
  /** The flag may be given several times; the schema gets the array of values. */
  readonly repeatable?: boolean;
}

export type SettingsTable = Readonly<Record<string, Setting>>;

/** The parsed values of a table, by key. */
export type SettingValues<T extends SettingsTable> = { -readonly [K in keyof T]: z.output<T[K]['schema']> };

/** A table and who contributes it (the app itself or a module), for duplicate errors. */
export interface SettingsContribution {
  readonly name: string;
  readonly settings?: SettingsTable;
}

/** A listening port's schema (0 picks a free port); add `.default(…)`. */
export const portSchema = z.coerce
  .number({ error: 'expected a port number 0-65535 (0 picks a free port)' })
  .int('expected a whole port number 0-65535 (0 picks a free port)')
  .min(0, 'expected a port number 0-65535 (0 picks a free port)')
  .max(65535, 'expected a port number 0-65535 (0 picks a free port)');

/** A listen address `host:port` (`:8080` means every interface, port 0 a free port) → { host, port }; add `.optional()`. */
export const listenAddressSchema = z
  .string()
  .refine((v) => /^(\[[0-9a-fA-F:]+\]|[^:\s]*):\d{1,5}$/.test(v) && Number(v.split(':').pop()) <= 65535, {
    message: 'expected host:port (port 0 picks a free port), e.g. 127.0.0.1:8080 or :8080',
  })
  .transform((address) => {
    const cut = address.lastIndexOf(':');
    const host = address.slice(0, cut).replace(/^\[|\]$/g, '');
    return { host: host || '0.0.0.0', port: Number(address.slice(cut + 1)) };
  });

/** Flags no table may define: the app answers them itself. */
const HELP_FLAGS = ['--help', '-h'];

/**
 * Merges the app's table with its modules' contributions. Two entries with the same key, variable or flag are a
 * programming error (one would silently shadow the other), so this throws naming both contributors.
 */
export function collectSettings(contributions: readonly SettingsContribution[]): SettingsTable {
  const table: Record<string, Setting> = {};
  const owners = new Map<string, string>();
  const claim = (what: string, owner: string) => {
    const previous = owners.get(what);
    if (previous !== undefined)
      throw new Error(`setting ${what} is defined twice, by ${previous} and by ${owner}; rename one of them`);
    owners.set(what, owner);
  };
  for (const { name, settings } of contributions) {
    for (const [key, setting] of Object.entries(settings ?? {})) {
      if (setting.env === undefined && setting.flag === undefined)
        throw new Error(`setting ${key} of ${name} has neither an environment variable nor a flag`);
      if (
        setting.flag !== undefined &&
        (HELP_FLAGS.includes(setting.flag) || !/^--[a-z0-9-]+$/.test(setting.flag))
      )
        throw new Error(`setting ${key} of ${name}: ${setting.flag} is not a usable flag name`);
      claim(`key ${key}`, name);
      if (setting.env !== undefined) claim(setting.env, name);
      if (setting.flag !== undefined) claim(setting.flag, name);
      table[key] = setting;
    }
  }
  return table;
}

export function wantsHelp(argv: readonly string[]): boolean {
  return argv.some((arg) => HELP_FLAGS.includes(arg));
}

/** How errors and help name a setting: `ENV (flag --flag)`, `ENV` or `--flag`. */
export function settingLabel(setting: Setting): string {
  if (setting.env !== undefined && setting.flag !== undefined) return `${setting.env} (flag ${setting.flag})`;
  return setting.env ?? setting.flag!;
}

export type ParsedSettings<T extends SettingsTable> =
  { ok: true; values: SettingValues<T> } | { ok: false; problems: string[] };

export interface SettingSources {
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Command-line arguments: `--flag value` or `--flag=value`; a bare `--` (pnpm passes it through) is skipped. */
  readonly argv: readonly string[];
}

/**
 * Reads every setting of `table` (flags win over the environment; an empty value counts as unset) and checks it.
 * Never throws on bad input: every problem comes back at once, each naming the variable or flag and what was
 * expected, with the rejected value unless the setting is secret.
 */
export function parseSettings<T extends SettingsTable>(
  table: T,
  sources: SettingSources,
  app: string,
): ParsedSettings<T> {
  const problems: string[] = [];
  const fromFlags = readFlags(table, sources.argv, app, problems);
  const values: Record<string, unknown> = {};
  for (const [key, setting] of Object.entries(table)) {
    let raw: string | string[] | undefined;
    if (fromFlags.has(key)) {
      const value = fromFlags.get(key);
      raw = value === '' ? undefined : value;
    } else if (setting.env !== undefined) {
      const value = sources.env[setting.env];
      raw = value === '' || value === undefined ? undefined : setting.repeatable ? [value] : value;
    }
    const parsed = setting.schema.safeParse(raw);
    if (parsed.success) {
      values[key] = parsed.data;
      continue;
    }
    for (const issue of parsed.error.issues) {
      const index = typeof issue.path[0] === 'number' ? issue.path[0] : undefined;
      const shown = Array.isArray(raw) && index !== undefined ? raw[index] : raw;
      const got = setting.secret || shown === undefined ? '' : ` (got ${JSON.stringify(shown)})`;
      problems.push(`${settingLabel(setting)}: ${issue.message}${got}`);
    }
  }
  return problems.length > 0 ? { ok: false, problems } : { ok: true, values: values as SettingValues<T> };
}

function readFlags(
  table: SettingsTable,
  argv: readonly string[],
  app: string,
  problems: string[],
): Map<string, string | string[]> {
  const byFlag = new Map<string, [string, Setting]>();
  for (const [key, setting] of Object.entries(table))
    if (setting.flag !== undefined) byFlag.set(setting.flag, [key, setting]);
  const values = new Map<string, string | string[]>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') continue;
    const eq = arg.indexOf('=');
    const flag = arg.startsWith('--') && eq !== -1 ? arg.slice(0, eq) : arg;
    const entry = byFlag.get(flag);
    if (entry === undefined) {
      const known = [...byFlag.keys()].join(', ');
      problems.push(`unknown argument ${JSON.stringify(arg)}; ${app} accepts: ${known} (and --help)`);
      // `--unknown value`: the value is not a second problem.
      if (arg.startsWith('--') && eq === -1 && argv[i + 1] !== undefined && !argv[i + 1]!.startsWith('--'))
        i++;
      continue;
    }
    const [key, setting] = entry;
    let value: string | undefined;
    if (eq !== -1) value = arg.slice(eq + 1);
    else if (argv[i + 1] !== undefined && !argv[i + 1]!.startsWith('--')) value = argv[++i];
    if (value === undefined) {
      problems.push(`${flag} needs a value`);
      continue;
    }
    const previous = values.get(key);
    if (setting.repeatable) values.set(key, [...((previous as string[] | undefined) ?? []), value]);
    else if (previous !== undefined) problems.push(`${flag} is given more than once`);
    else values.set(key, value);
  }
  return values;
}

/**
 * The values of `table`'s settings out of an app's parsed configuration, for a module reading its contribution.
 * Throws when the configuration was loaded without this table (the module was not in the list the app's config
 * loader collected from).
 */
export function settingValues<T extends SettingsTable>(table: T, config: object): SettingValues<T> {
  const values: Record<string, unknown> = {};
  const missing: string[] = [];
  for (const [key, setting] of Object.entries(table)) {
    if (key in config) values[key] = (config as Record<string, unknown>)[key];
    else missing.push(settingLabel(setting));
  }
  if (missing.length > 0)
    throw new Error(
      `the configuration lacks ${missing.join(', ')}: it was loaded without the module contributing them; give the config loader the same module list as the app`,
    );
  return values as SettingValues<T>;
}

export interface SettingRow {
  key: string;
  env: string | undefined;
  flag: string | undefined;
  default: string;
  description: string;
}

/** One row per setting, for `--help` and the docs check. */
export function describeSettings(table: SettingsTable): SettingRow[] {
  return Object.entries(table).map(([key, setting]) => ({
    key,
    env: setting.env,
    flag: setting.flag,
    default: defaultOf(setting),
    description: setting.description,
  }));
}

/** The schema's default as text: "required" when unset is refused, "unset" when unset stays unset. */
function defaultOf(setting: Setting): string {
  if (setting.defaultText !== undefined) return setting.defaultText;
  const parsed = setting.schema.safeParse(undefined);
  if (!parsed.success) return 'required';
  const value: unknown = parsed.data;
  if (value === undefined || value === null || (Array.isArray(value) && value.length === 0)) return 'unset';
  return String(value);
}

/** `--help`: a usage line, then every setting as variable, flag, default, and its description below. */
export function settingsHelp(table: SettingsTable, usage: string): string {
  const rows = describeSettings(table);
  const columns = rows.map((r) => [r.env ?? '—', r.flag ?? '—', r.default]);
  const widths = [0, 1, 2].map((c) => Math.max(...columns.map((row) => row[c]!.length), 8));
  const line = (cells: string[]) =>
    `  ${cells.map((cell, c) => (c < 2 ? cell.padEnd(widths[c]!) : cell)).join('  ')}`.trimEnd();
  const out = [usage, '', line(['variable', 'flag', 'default'])];
  rows.forEach((row, i) => {
    out.push(line(columns[i]!));
    out.push(`      ${row.description}`);
  });
  return `${out.join('\n')}\n`;
}

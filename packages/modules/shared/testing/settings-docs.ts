// Checks a docs page against an app's settings table: every table in the page headed `variable | flag | default | …`
// is read, and its rows must be exactly the settings (variable, flag and default; '—' where a setting has none).
import { describeSettings, type SettingsTable } from '../settings';

interface DocumentedRow {
  env: string | undefined;
  flag: string | undefined;
  default: string;
}

const HEADER = /^\|\s*variable\s*\|\s*flag\s*\|\s*default\s*\|/;

/** The setting rows of every `variable | flag | default | …` table in `markdown`. */
export function documentedSettings(markdown: string): DocumentedRow[] {
  const rows: DocumentedRow[] = [];
  const lines = markdown.split('\n');
  for (let i = 0; i < lines.length; i++) {
    if (!HEADER.test(lines[i]!)) continue;
    // Skip the header and the |---| line; the table ends at the first line that is not a row.
    for (i += 2; i < lines.length && lines[i]!.startsWith('|'); i++) {
      const [env, flag, value] = lines[i]!.split('|').slice(1, 4).map(cell);
      rows.push({ env: name(env!), flag: name(flag!), default: value! });
    }
  }
  return rows;
}

const cell = (text: string) => text.trim().replace(/`/g, '');
const name = (text: string) => (text === '—' || text === '' ? undefined : text);
const show = (row: { env?: string; flag?: string }) => [row.env, row.flag].filter(Boolean).join(' / ');

/** What differs between the docs and the table, one line each; empty when they agree. */
export function settingsDocsMismatch(table: SettingsTable, markdown: string): string[] {
  const documented = documentedSettings(markdown);
  const key = (row: { env?: string; flag?: string }) => `${row.env ?? '—'} ${row.flag ?? '—'}`;
  const byKey = new Map(documented.map((row) => [key(row), row]));
  const problems: string[] = [];
  const seen = new Set<string>();
  for (const row of documented) {
    if (seen.has(key(row))) problems.push(`documented twice: ${show(row)}`);
    seen.add(key(row));
  }
  const settings = describeSettings(table);
  for (const setting of settings) {
    const row = byKey.get(key(setting));
    if (!row) problems.push(`not documented: ${show(setting)} (default ${setting.default})`);
    else if (row.default !== setting.default)
      problems.push(`${show(setting)}: the docs say default ${row.default}, the table ${setting.default}`);
  }
  const known = new Set(settings.map(key));
  for (const row of documented)
    if (!known.has(key(row))) problems.push(`documented but not a setting: ${show(row)}`);
  return problems;
}

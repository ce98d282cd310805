// The list filter (as the user types; client-side and instant): space-separated terms, all of which must match.
// `key=value` matches a label exactly, `key` followed by `=` nothing matches any row with that label, anything else
// is a case-insensitive substring of the row's name or namespace. Plain string comparisons only: no user text ever
// becomes a RegExp, and the work is linear in the rows.
import type { ObjectRow } from '@mooring/modules/object_watch/shared/watch-api';

type Term = { label: string; value: string | null } | { text: string };

/** At most this many terms count; the box holds at most 200 characters. */
const MAX_TERMS = 10;

export function parseFilter(query: string): Term[] {
  return query
    .slice(0, 200)
    .split(/\s+/)
    .filter(Boolean)
    .slice(0, MAX_TERMS)
    .map((term) => {
      const eq = term.indexOf('=');
      if (eq > 0) return { label: term.slice(0, eq), value: term.slice(eq + 1) || null };
      return { text: term.toLowerCase() };
    });
}

export function rowMatches(row: ObjectRow, terms: readonly Term[]): boolean {
  for (const term of terms) {
    if ('text' in term) {
      if (
        !row.name.toLowerCase().includes(term.text) &&
        !(row.namespace ?? '').toLowerCase().includes(term.text)
      )
        return false;
    } else {
      const value = row.labels[term.label];
      if (value === undefined || (term.value !== null && value !== term.value)) return false;
    }
  }
  return true;
}

export function filterRows<R extends ObjectRow>(rows: readonly R[], query: string): readonly R[] {
  const terms = parseFilter(query);
  return terms.length === 0 ? rows : rows.filter((row) => rowMatches(row, terms));
}

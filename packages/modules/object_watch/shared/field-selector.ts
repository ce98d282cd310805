// Field selectors (`metadata.name=web,status.phase!=Running`), answered from the row: `metadata.name`,
// `metadata.namespace` on every kind, plus the kind's fields in rows.ts FIELD_SELECTOR_COLUMNS. Parsed by hand
// (no RegExp from viewer text); `\,` `\=` `\\` escape inside values as in Kubernetes. Unknown fields are refused
// naming the ones the kind answers.
import { MAX_SELECTOR_CHARS, type ParsedSelector } from './label-selector';
import type { ResourceRef } from './resources';
import { fieldSelectorColumns } from './rows';
import type { ObjectRow } from './watch-api';

export interface FieldRequirement {
  field: string;
  op: 'equals' | 'notEquals';
  value: string;
}
export type FieldSelector = readonly FieldRequirement[];

/** Parses `text` for resource `ref`; '' selects everything. */
export function parseFieldSelector(text: string, ref: ResourceRef): ParsedSelector<FieldSelector> {
  if (text.length > MAX_SELECTOR_CHARS)
    return { ok: false, error: `field selector: longer than ${MAX_SELECTOR_CHARS} characters` };
  const fields = ['metadata.name', 'metadata.namespace', ...Object.keys(fieldSelectorColumns(ref))];
  const selector: FieldRequirement[] = [];
  if (text.trim() === '') return { ok: true, selector };
  let pos = 0;
  const fail = (error: string): ParsedSelector<FieldSelector> => ({
    ok: false,
    error: `field selector: ${error}`,
  });
  while (pos <= text.length) {
    const start = pos;
    while (pos < text.length && text[pos] !== '=' && text[pos] !== '!' && text[pos] !== ',') pos++;
    const field = text.slice(start, pos).trim();
    if (field === '') return fail(`at position ${start}: expected a field name like metadata.name`);
    if (!fields.includes(field))
      return fail(
        `at position ${start}: "${field.slice(0, 60)}" is not a field this resource answers; use one of ${fields.join(', ')}`,
      );
    let op: FieldRequirement['op'];
    if (text.startsWith('!=', pos)) {
      op = 'notEquals';
      pos += 2;
    } else if (text.startsWith('==', pos)) {
      op = 'equals';
      pos += 2;
    } else if (text[pos] === '=') {
      op = 'equals';
      pos += 1;
    } else return fail(`at position ${pos}: expected "=", "==" or "!=" after ${field}`);
    let value = '';
    while (pos < text.length && text[pos] !== ',') {
      if (text[pos] === '\\') {
        const next = text[pos + 1];
        if (next !== ',' && next !== '=' && next !== '\\')
          return fail(`at position ${pos}: expected \\, \\= or \\\\ (an escape)`);
        value += next;
        pos += 2;
        continue;
      }
      if (text[pos] === '=' || text[pos] === '!')
        if (text[pos] === '=' || text[pos + 1] === '=')
          return fail(`at position ${pos}: expected "," before the next requirement (escape = as \\=)`);
      value += text[pos];
      pos++;
    }
    selector.push({ field, op, value: value.trim() });
    pos++; // the comma, or past the end
  }
  return { ok: true, selector };
}

function fieldValue(row: ObjectRow, field: string, ref: ResourceRef): string {
  if (field === 'metadata.name') return row.name;
  if (field === 'metadata.namespace') return row.namespace ?? '';
  const column = fieldSelectorColumns(ref)[field];
  const value = column === undefined ? null : row.columns[column];
  return value === null || value === undefined ? '' : String(value);
}

export function matchesFields(selector: FieldSelector, row: ObjectRow, ref: ResourceRef): boolean {
  for (const r of selector) {
    const equal = fieldValue(row, r.field, ref) === r.value;
    if (equal !== (r.op === 'equals')) return false;
  }
  return true;
}

// Kubernetes label selector syntax (`app=web,tier in (a,b),!canary,env!=prod,release`), parsed by hand: a selector
// comes from a viewer, so no RegExp is ever built from it and the work is linear in its length. Errors name the
// position (0-based, in characters) and what was expected there.

export type LabelRequirement =
  | { op: 'exists' | 'notExists'; key: string }
  | { op: 'equals' | 'notEquals'; key: string; value: string }
  | { op: 'in' | 'notIn'; key: string; values: string[] };

export type LabelSelector = readonly LabelRequirement[];

export type ParsedSelector<T> = { ok: true; selector: T } | { ok: false; error: string };

/** Longer selectors are refused (the Watch request's own limit). */
export const MAX_SELECTOR_CHARS = 1024;
const MAX_VALUES = 100;

const isAlnum = (c: string) => (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
const isWordChar = (c: string) => isAlnum(c) || c === '-' || c === '_' || c === '.' || c === '/';
const isSpace = (c: string) => c === ' ' || c === '\t';

class SelectorSyntaxError extends Error {}

/** A label name or value: alphanumerics with - _ . inside, at most 63 characters; a value may be empty. */
function validName(s: string, allowEmpty: boolean): boolean {
  if (s.length === 0) return allowEmpty;
  if (s.length > 63 || !isAlnum(s[0]!) || !isAlnum(s[s.length - 1]!)) return false;
  for (const c of s) if (!(isAlnum(c) || c === '-' || c === '_' || c === '.')) return false;
  return true;
}

/** `[prefix/]name`: prefix a DNS subdomain of at most 253 characters. */
function validKey(key: string): boolean {
  const slash = key.indexOf('/');
  if (slash === -1) return validName(key, false);
  const prefix = key.slice(0, slash);
  if (prefix.length === 0 || prefix.length > 253) return false;
  for (const c of prefix)
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c === '-' || c === '.')) return false;
  return validName(key.slice(slash + 1), false);
}

class Scanner {
  pos = 0;
  constructor(readonly text: string) {}
  skipSpace(): void {
    while (this.pos < this.text.length && isSpace(this.text[this.pos]!)) this.pos++;
  }
  peek(): string {
    return this.text[this.pos] ?? '';
  }
  atEnd(): boolean {
    return this.pos >= this.text.length;
  }
  word(): { text: string; at: number } {
    this.skipSpace();
    const at = this.pos;
    while (this.pos < this.text.length && isWordChar(this.text[this.pos]!)) this.pos++;
    return { text: this.text.slice(at, this.pos), at };
  }
  fail(expected: string, at = this.pos): never {
    const found = at >= this.text.length ? 'the end' : `"${this.text.slice(at, at + 10)}"`;
    throw new SelectorSyntaxError(`at position ${at}: expected ${expected}, found ${found}`);
  }
}

function readKey(s: Scanner): string {
  const { text, at } = s.word();
  if (text.length === 0) s.fail('a label key');
  if (!validKey(text))
    s.fail('a label key like app or example.com/tier (alphanumerics, - _ ., at most 63 characters)', at);
  return text;
}

function readValue(s: Scanner): string {
  const { text, at } = s.word();
  if (!validName(text, true)) s.fail('a label value (alphanumerics, - _ ., at most 63 characters)', at);
  return text;
}

function readValueList(s: Scanner): string[] {
  s.skipSpace();
  if (s.peek() !== '(') s.fail('"(" starting a list of values');
  s.pos++;
  const values: string[] = [];
  for (;;) {
    const at = s.pos;
    const value = readValue(s);
    if (value === '') s.fail('a value (a list of values may not be empty)', at);
    values.push(value);
    if (values.length > MAX_VALUES) s.fail(`at most ${MAX_VALUES} values`);
    s.skipSpace();
    const c = s.peek();
    s.pos++;
    if (c === ')') return values;
    if (c !== ',') s.fail('"," or ")" in the list of values', s.pos - 1);
  }
}

function readRequirement(s: Scanner): LabelRequirement {
  s.skipSpace();
  if (s.peek() === '!') {
    s.pos++;
    return { op: 'notExists', key: readKey(s) };
  }
  const key = readKey(s);
  s.skipSpace();
  if (s.atEnd() || s.peek() === ',') return { op: 'exists', key };
  const c = s.peek();
  if (c === '=' || c === '!') {
    const at = s.pos;
    if (c === '!') {
      if (s.text[at + 1] !== '=') s.fail('"!=" after the key', at);
      s.pos += 2;
      return { op: 'notEquals', key, value: readValue(s) };
    }
    s.pos += s.text[at + 1] === '=' ? 2 : 1;
    return { op: 'equals', key, value: readValue(s) };
  }
  const { text: word, at } = s.word();
  if (word === 'in') return { op: 'in', key, values: readValueList(s) };
  if (word === 'notin') return { op: 'notIn', key, values: readValueList(s) };
  return s.fail('"=", "==", "!=", "in", "notin" or "," after the key', at);
}

/** Parses a label selector; '' (or only spaces) selects everything. */
export function parseLabelSelector(text: string): ParsedSelector<LabelSelector> {
  if (text.length > MAX_SELECTOR_CHARS)
    return { ok: false, error: `label selector: longer than ${MAX_SELECTOR_CHARS} characters` };
  const s = new Scanner(text);
  const selector: LabelRequirement[] = [];
  try {
    s.skipSpace();
    if (s.atEnd()) return { ok: true, selector };
    for (;;) {
      selector.push(readRequirement(s));
      s.skipSpace();
      if (s.atEnd()) return { ok: true, selector };
      if (s.peek() !== ',') s.fail('"," between requirements');
      s.pos++;
    }
  } catch (error) {
    if (error instanceof SelectorSyntaxError) return { ok: false, error: `label selector: ${error.message}` };
    throw error;
  }
}

/** Whether `labels` satisfy every requirement (Kubernetes semantics: `!=` and `notin` match a missing label). */
export function matchesLabels(selector: LabelSelector, labels: Readonly<Record<string, string>>): boolean {
  for (const r of selector) {
    const has = Object.hasOwn(labels, r.key);
    const value = has ? labels[r.key] : undefined;
    switch (r.op) {
      case 'exists':
        if (!has) return false;
        break;
      case 'notExists':
        if (has) return false;
        break;
      case 'equals':
        if (value !== r.value) return false;
        break;
      case 'notEquals':
        if (value === r.value) return false;
        break;
      case 'in':
        if (value === undefined || !r.values.includes(value)) return false;
        break;
      case 'notIn':
        if (value !== undefined && r.values.includes(value)) return false;
        break;
    }
  }
  return true;
}

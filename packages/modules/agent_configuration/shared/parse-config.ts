// YAML text → validated AgentConfig, or every problem with its line, column and field path.
// Zod reports paths into the parsed object; the yaml CST keeps source ranges, so each path is
// mapped back to the node (or the key, for unknown keys) it came from.
//
// The work is linear in the text and bounded before any schema work: the size, then the nesting
// depth and the number of entries (counted on the parser's tokens, without recursion), then
// duplicate keys with one hash set per mapping (yaml's own `uniqueKeys` check compares each key with
// every earlier one: 16k keys took 11 s), and error positions through one key index per mapping.
import {
  Composer,
  isMap,
  isNode,
  isPair,
  isScalar,
  isSeq,
  LineCounter,
  Parser,
  type CST,
  type Document,
  type Node,
  type Pair,
} from 'yaml';
import {
  agentConfigSchema,
  MAX_AGENT_CONFIG_BYTES,
  MAX_CONFIG_DEPTH,
  MAX_CONFIG_ENTRIES,
  MAX_REPORTED_CONFIG_ERRORS,
  type AgentConfig,
} from './config-schema';

export interface ConfigError {
  /** 1-based. */
  line: number;
  /** 1-based. */
  column: number;
  /** Dotted field path, `ci_access.projects[0].id`; empty for the whole document. */
  path: string;
  message: string;
}

export type ParseConfigResult = { ok: true; config: AgentConfig } | { ok: false; errors: ConfigError[] };

export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out ? `.${String(part)}` : String(part);
  }
  return out;
}

/** `line 3, column 7, ci_access.projects[0].id: must be …` */
export function formatConfigError(e: ConfigError): string {
  return `line ${e.line}, column ${e.column}${e.path ? `, ${e.path}` : ''}: ${e.message}`;
}

/** The first collection nested deeper than MAX_CONFIG_DEPTH, or the entry past MAX_CONFIG_ENTRIES. */
function checkShape(tokens: readonly CST.Token[]): { offset: number; message: string } | null {
  const stack: [CST.Token, number][] = [];
  for (const token of tokens) if (token.type === 'document' && token.value) stack.push([token.value, 0]);
  let entries = 0;
  for (let next = stack.pop(); next; next = stack.pop()) {
    const [token, depth] = next;
    if (token.type !== 'block-map' && token.type !== 'block-seq' && token.type !== 'flow-collection')
      continue;
    if (depth + 1 > MAX_CONFIG_DEPTH)
      return {
        offset: token.offset,
        message: `collections are nested more than ${MAX_CONFIG_DEPTH} deep; a configuration needs at most 7 levels, flatten this value`,
      };
    for (const item of token.items) {
      entries++;
      if (entries > MAX_CONFIG_ENTRIES)
        return {
          offset: item.start[0]?.offset ?? token.offset,
          message: `the document has more than ${MAX_CONFIG_ENTRIES} entries (mapping keys plus list items); remove unused entries or use groups instead of many projects`,
        };
      if ('key' in item && item.key) stack.push([item.key, depth + 1]);
      if (item.value) stack.push([item.value, depth + 1]);
    }
  }
  return null;
}

/** Scalar key value → its pair, for every mapping; the first duplicate key found, if any. */
function indexKeys(doc: Document): { keys: Map<Node, Map<unknown, Pair>>; duplicate: Node | null } {
  const keys = new Map<Node, Map<unknown, Pair>>();
  const stack: unknown[] = [doc.contents];
  for (let node = stack.pop(); stack.length > 0 || node !== undefined; node = stack.pop()) {
    if (isMap(node)) {
      const index = new Map<unknown, Pair>();
      keys.set(node, index);
      for (const pair of node.items) {
        if (isScalar(pair.key)) {
          if (index.has(pair.key.value)) return { keys, duplicate: pair.key };
          index.set(pair.key.value, pair);
        }
        stack.push(pair.key, pair.value);
      }
    } else if (isSeq(node)) {
      for (const item of node.items) stack.push(isPair(item) ? item.value : item);
    }
  }
  return { keys, duplicate: null };
}

export function parseAgentConfig(text: string): ParseConfigResult {
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > MAX_AGENT_CONFIG_BYTES) {
    return {
      ok: false,
      errors: [
        {
          line: 1,
          column: 1,
          path: '',
          message: `configuration is ${(bytes / 1024).toFixed(1)} KiB; the limit is ${MAX_AGENT_CONFIG_BYTES / 1024} KiB, remove unused entries or use groups instead of many projects`,
        },
      ],
    };
  }
  const lineCounter = new LineCounter();
  const at = (offset: number | undefined) => {
    const pos = lineCounter.linePos(offset ?? 0);
    return { line: pos.line, column: pos.col };
  };
  const tokens = [...new Parser(lineCounter.addNewLine).parse(text)];
  const tooLarge = checkShape(tokens);
  if (tooLarge)
    return { ok: false, errors: [{ ...at(tooLarge.offset), path: '', message: tooLarge.message }] };

  // Duplicate keys are found by indexKeys below, in linear time.
  const composer = new Composer({ uniqueKeys: false, prettyErrors: false });
  const docs = [...composer.compose(tokens, true, text.length)];
  const doc = docs[0]!;
  if (docs.length > 1) {
    return {
      ok: false,
      errors: [
        {
          ...at(docs[1]!.range[0]),
          path: '',
          message: 'YAML syntax: the configuration is one document; remove the second `---`',
        },
      ],
    };
  }
  if (doc.errors.length > 0) {
    return {
      ok: false,
      errors: doc.errors.slice(0, MAX_REPORTED_CONFIG_ERRORS).map((e) => ({
        ...at(e.pos[0]),
        path: '',
        message: `YAML syntax: ${e.message.split('\n')[0] ?? e.message}`,
      })),
    };
  }
  const { keys, duplicate } = indexKeys(doc);
  if (duplicate) {
    return {
      ok: false,
      errors: [
        {
          ...at(duplicate.range?.[0]),
          path: '',
          message: `YAML syntax: key ${JSON.stringify(String((duplicate as { value?: unknown }).value))} appears twice in one mapping; keep one`,
        },
      ],
    };
  }
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: 100 });
  } catch (err) {
    return {
      ok: false,
      errors: [{ line: 1, column: 1, path: '', message: `YAML: ${(err as Error).message}` }],
    };
  }
  // An empty document is a valid, empty configuration.
  if (value === null || value === undefined) return { ok: true, config: {} };
  const result = agentConfigSchema.safeParse(value);
  if (result.success) return { ok: true, config: result.data };

  /** The child of a mapping (by key, through the index) or of a list (by position). */
  const child = (node: Node, key: PropertyKey): Node | null => {
    if (isMap(node)) {
      const pair = keys.get(node)?.get(key);
      return isNode(pair?.value) ? pair.value : null;
    }
    if (isSeq(node) && typeof key === 'number') {
      const item: unknown = node.items[key];
      return isNode(item) ? item : null;
    }
    return null;
  };
  const nodeAt = (path: readonly PropertyKey[]): { node: Node | null; depth: number } => {
    let current: Node | null = isNode(doc.contents) ? doc.contents : null;
    let depth = 0;
    for (const key of path) {
      const next = current && child(current, key);
      if (!next) break;
      current = next;
      depth++;
    }
    return { node: current, depth };
  };
  const keyNode = (map: Node, key: string): Node | null => {
    const pair = isMap(map) ? keys.get(map)?.get(key) : undefined;
    return isNode(pair?.key) ? pair.key : null;
  };

  const errors: ConfigError[] = [];
  for (const issue of result.error.issues) {
    const path = issue.path as PropertyKey[];
    if (issue.code === 'unrecognized_keys') {
      const { node } = nodeAt(path);
      for (const key of issue.keys) {
        const kn = node ? keyNode(node, key) : null;
        errors.push({
          ...at(kn?.range?.[0] ?? node?.range?.[0]),
          path: formatPath([...path, key]),
          message: `unknown field "${key}"; check the spelling (allowed fields are listed in the configuration reference)`,
        });
      }
      continue;
    }
    const { node, depth } = nodeAt(path);
    // A missing field points at its parent; say which field is missing.
    const missing = depth < path.length;
    let message = issue.message;
    if (missing && issue.code === 'invalid_type' && issue.input === undefined) {
      message = `required field "${String(path[path.length - 1])}" is missing`;
    }
    // Point a missing field at its parent's key (`user_access:`), not at the parent's first child.
    let anchor = node;
    const parentKey = path[depth - 1];
    if (missing && depth > 0 && typeof parentKey === 'string') {
      const grand = nodeAt(path.slice(0, depth - 1)).node;
      anchor = (grand && keyNode(grand, parentKey)) ?? node;
    }
    errors.push({ ...at(anchor?.range?.[0]), path: formatPath(path), message });
  }
  errors.sort((a, b) => a.line - b.line || a.column - b.column);
  if (errors.length <= MAX_REPORTED_CONFIG_ERRORS) return { ok: false, errors };
  const shown = errors.slice(0, MAX_REPORTED_CONFIG_ERRORS);
  const more = errors[MAX_REPORTED_CONFIG_ERRORS]!;
  shown.push({
    line: more.line,
    column: more.column,
    path: '',
    message: `${errors.length - MAX_REPORTED_CONFIG_ERRORS} more errors not shown; fix the ones above first`,
  });
  return { ok: false, errors: shown };
}

export interface DerivedAuthorization {
  kind: 'ci_access' | 'user_access';
  targetType: 'project' | 'group';
  targetPath: string;
  /** Where the path is written, `ci_access.groups[1].id`. */
  field: string;
  settings: Record<string, unknown>;
}

/** The agent_authorizations rows a live config implies (who may use the agent). */
export function deriveAuthorizations(config: AgentConfig): DerivedAuthorization[] {
  const out: DerivedAuthorization[] = [];
  const ci = config.ci_access;
  for (const [targetType, entries] of [
    ['project', ci?.projects],
    ['group', ci?.groups],
  ] as const) {
    for (const [i, { id, ...settings }] of (entries ?? []).entries()) {
      out.push({
        kind: 'ci_access',
        targetType,
        targetPath: id,
        field: `ci_access.${targetType}s[${i}].id`,
        settings: { access_as: { agent: {} }, ...settings },
      });
    }
  }
  const ua = config.user_access;
  if (ua) {
    for (const [targetType, entries] of [
      ['project', ua.projects],
      ['group', ua.groups],
    ] as const) {
      for (const [i, { id, ...settings }] of (entries ?? []).entries()) {
        out.push({
          kind: 'user_access',
          targetType,
          targetPath: id,
          field: `user_access.${targetType}s[${i}].id`,
          settings: { access_as: ua.access_as, ...settings },
        });
      }
    }
  }
  return out;
}

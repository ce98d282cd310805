// YAML text → validated AgentConfig, or every problem with its line, column and field path.
// Zod reports paths into the parsed object; the yaml CST keeps source ranges, so each path is
// mapped back to the node (or the key, for unknown keys) it came from.
import { isMap, isNode, isPair, isScalar, LineCounter, parseDocument, type Document, type Node } from 'yaml';
import { agentConfigSchema, MAX_AGENT_CONFIG_BYTES, type AgentConfig } from './config-schema';

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

function nodeAt(doc: Document, path: readonly PropertyKey[]): { node: Node | null; depth: number } {
  let current: unknown = doc.contents;
  let depth = 0;
  for (const key of path) {
    if (!isNode(current) || !('get' in current)) break;
    const next: unknown = (current as { get(k: unknown, keepScalar: boolean): unknown }).get(key, true);
    if (!isNode(next)) break;
    current = next;
    depth++;
  }
  return { node: isNode(current) ? current : null, depth };
}

function keyNode(map: Node, key: string): Node | null {
  if (!isMap(map)) return null;
  for (const item of map.items) {
    if (isPair(item) && isScalar(item.key) && item.key.value === key) return item.key;
  }
  return null;
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
  const doc = parseDocument(text, { lineCounter, uniqueKeys: true, prettyErrors: false });
  const at = (offset: number | undefined) => {
    const pos = lineCounter.linePos(offset ?? 0);
    return { line: pos.line, column: pos.col };
  };
  if (doc.errors.length > 0) {
    return {
      ok: false,
      errors: doc.errors.map((e) => ({
        ...at(e.pos[0]),
        path: '',
        message: `YAML syntax: ${e.message.split('\n')[0] ?? e.message}`,
      })),
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

  const errors: ConfigError[] = [];
  for (const issue of result.error.issues) {
    const path = issue.path as PropertyKey[];
    if (issue.code === 'unrecognized_keys') {
      const { node } = nodeAt(doc, path);
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
    const { node, depth } = nodeAt(doc, path);
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
      const grand = nodeAt(doc, path.slice(0, depth - 1)).node;
      anchor = (grand && keyNode(grand, parentKey)) ?? node;
    }
    errors.push({ ...at(anchor?.range?.[0]), path: formatPath(path), message });
  }
  errors.sort((a, b) => a.line - b.line || a.column - b.column);
  return { ok: false, errors };
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
      for (const [i, { id }] of (entries ?? []).entries()) {
        out.push({
          kind: 'user_access',
          targetType,
          targetPath: id,
          field: `user_access.${targetType}s[${i}].id`,
          settings: { access_as: ua.access_as },
        });
      }
    }
  }
  return out;
}

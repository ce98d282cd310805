import type { z } from 'zod';
import type { AnyOperation, HttpMethod } from './operation';

export const restPrefix = '/api/v1';

export interface RestRoute {
  operation: AnyOperation;
  method: HttpMethod;
  /** Template under /api/v1 (`/projects/:projectId/agents`), also the metrics route label. */
  template: string;
  paramNames: string[];
  pattern: RegExp;
}

export function compileRoutes(operations: readonly AnyOperation[]): RestRoute[] {
  const seen = new Set<string>();
  return operations.map((operation) => {
    const key = `${operation.method} ${operation.path}`;
    if (seen.has(key)) throw new Error(`two operations share the REST route ${key}`);
    seen.add(key);
    const paramNames: string[] = [];
    const source = operation.path
      .split('/')
      .map((segment) => {
        if (!segment.startsWith(':')) return segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
        paramNames.push(segment.slice(1));
        return '([^/]+)';
      })
      .join('/');
    return {
      operation,
      method: operation.method,
      template: operation.path,
      paramNames,
      pattern: new RegExp(`^${source}/?$`),
    };
  });
}

export type RouteMatch =
  | { kind: 'found'; route: RestRoute; params: Record<string, string> }
  | { kind: 'method_not_allowed'; allowed: HttpMethod[] }
  | { kind: 'not_found' };

export function matchRoute(routes: readonly RestRoute[], method: string, path: string): RouteMatch {
  const allowed: HttpMethod[] = [];
  for (const route of routes) {
    const m = route.pattern.exec(path);
    if (!m) continue;
    if (route.method !== method) {
      allowed.push(route.method);
      continue;
    }
    const params: Record<string, string> = {};
    route.paramNames.forEach((name, i) => {
      params[name] = decodeURIComponent(m[i + 1] ?? '');
    });
    return { kind: 'found', route, params };
  }
  return allowed.length > 0 ? { kind: 'method_not_allowed', allowed } : { kind: 'not_found' };
}

/** The innermost schema under optional/default/nullable wrappers. */
function unwrap(schema: z.ZodType): z.ZodType {
  let current = schema as z.ZodType & { _zod: { def: { type: string; innerType?: z.ZodType } } };
  while (current._zod.def.innerType !== undefined && current._zod.def.type !== 'pipe') {
    current = current._zod.def.innerType as typeof current;
  }
  return current;
}

/**
 * Path and query values arrive as strings; a field whose schema is a number or boolean gets the
 * converted value when the text is one, and keeps the text otherwise so validation names the field.
 */
export function coerceStrings(schema: z.ZodObject, values: Record<string, string>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, text] of Object.entries(values)) {
    const field = schema.shape[key] as z.ZodType | undefined;
    const type = field
      ? (unwrap(field) as unknown as { _zod: { def: { type: string } } })._zod.def.type
      : 'string';
    if (type === 'number' && /^-?\d+(\.\d+)?$/.test(text)) out[key] = Number(text);
    else if (type === 'boolean' && (text === 'true' || text === 'false')) out[key] = text === 'true';
    else out[key] = text;
  }
  return out;
}

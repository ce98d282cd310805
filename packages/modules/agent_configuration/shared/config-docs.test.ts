// docs/configuration.md must name every key of the schema, so the reference cannot drift from it: each key path
// (walked from the zod schema, not listed by hand) must appear in backticks, whole or from its last list on
// (`ci_access.projects[].access_as.agent` may be written `access_as.agent` in the entry's table).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { agentConfigSchema } from './config-schema';

/** Every key path of a zod schema: `a`, `a.b`, lists as `[]`: `ci_access.projects[].id`. */
function schemaKeyPaths(schema: z.ZodType, prefix = ''): string[] {
  if (schema instanceof z.ZodOptional) return schemaKeyPaths(schema.unwrap() as z.ZodType, prefix);
  if (schema instanceof z.ZodArray) return schemaKeyPaths(schema.element as z.ZodType, `${prefix}[]`);
  if (!(schema instanceof z.ZodObject)) return [];
  return Object.entries(schema.shape as Record<string, z.ZodType>).flatMap(([key, child]) => {
    const path = prefix ? `${prefix}.${key}` : key;
    return [path, ...schemaKeyPaths(child, path)];
  });
}

const docs = readFileSync(new URL('../../../../docs/configuration.md', import.meta.url), 'utf8');
const named = new Set([...docs.matchAll(/`([^`\n]+)`/g)].map((m) => m[1]!));

describe('docs/configuration.md', () => {
  const paths = schemaKeyPaths(agentConfigSchema);

  it('walks the whole schema', () => {
    expect(paths).toContain('ci_access.projects[].access_as.impersonate.extra[].val');
    expect(paths).toContain('observability.logging.level');
    expect(paths.length).toBeGreaterThan(30);
  });

  it('names every key of the schema', () => {
    const missing = paths.filter((path) => {
      const suffix = path.slice(path.lastIndexOf('[]') + 1).replace(/^\]\./, '');
      return ![...named].some((n) => n === path || n === suffix || n.endsWith(`.${suffix}`));
    });
    expect(missing).toEqual([]);
  });
});

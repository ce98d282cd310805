import { describe, expect, it } from 'vitest';
import { buildOpenApiDocument } from '../api/openapi';
import { allOperations } from '../api/operations/index';
import { compileRoutes } from '../api/rest-routes';
import { allSubscriptions, appRouter } from './router';

describe('one operation list, three surfaces', () => {
  it('exposes every operation and subscription as the tRPC procedure named after it', () => {
    const procedures = appRouter._def.procedures as unknown as Record<string, { _def: { type: string } }>;
    // tRPC-only queries of the live module, authorized like operations (callerAuthorization).
    const trpcOnlyQueries = ['live.agents', 'kubeconfig.forAgent'];
    expect(Object.keys(procedures).sort()).toEqual(
      [
        ...allOperations.map((op) => op.name),
        ...allSubscriptions.map((s) => s.name),
        ...trpcOnlyQueries,
      ].sort(),
    );
    for (const op of allOperations) expect(procedures[op.name]!._def.type).toBe(op.type);
    for (const sub of allSubscriptions) expect(procedures[sub.name]!._def.type).toBe('subscription');
    expect(allSubscriptions.map((s) => s.name).sort()).toEqual([
      'agentConfigs.onChanged',
      'live.onActivity',
      'live.onAgents',
      'objects.watch',
    ]);
  });

  it('gives every operation its own REST route', () => {
    expect(compileRoutes(allOperations)).toHaveLength(allOperations.length);
  });

  it('documents every route in OpenAPI with schemas generated from zod', () => {
    const doc = buildOpenApiDocument(allOperations, 'test') as {
      paths: Record<
        string,
        Record<string, { requestBody?: { content: Record<string, { schema: Record<string, unknown> }> } }>
      >;
    };
    const create = doc.paths['/api/v1/groups']!.post!;
    const schema = create.requestBody!.content['application/json']!.schema;
    expect(schema).toMatchObject({ type: 'object', additionalProperties: false, required: ['name', 'path'] });
    expect(JSON.parse(JSON.stringify(doc))).toEqual(doc);
  });
});

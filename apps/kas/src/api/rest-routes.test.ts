import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import { defineOperation } from './operation';
import { coerceStrings, compileRoutes, matchRoute } from './rest-routes';

const op = (method: 'GET' | 'POST', path: `/${string}`, name: string) =>
  defineOperation({
    name,
    type: method === 'GET' ? 'query' : 'mutation',
    method,
    path,
    summary: name,
    input: z.strictObject({
      agentId: z.number(),
      version: z.number().optional(),
      flag: z.boolean().optional(),
    }),
    output: z.object({}),
    handler: async () => ({}),
  });

describe('REST routes', () => {
  const routes = compileRoutes([
    op('GET', '/agents/:agentId/configs/live', 'live'),
    op('GET', '/agents/:agentId/configs/:version', 'version'),
    op('POST', '/agents/:agentId/configs', 'save'),
  ]);

  it('matches templates in declaration order and decodes parameters', () => {
    const live = matchRoute(routes, 'GET', '/agents/7/configs/live');
    expect(live).toMatchObject({
      kind: 'found',
      route: { template: '/agents/:agentId/configs/live' },
      params: { agentId: '7' },
    });
    const version = matchRoute(routes, 'GET', '/agents/7/configs/3/');
    expect(version).toMatchObject({ kind: 'found', params: { agentId: '7', version: '3' } });
    expect(matchRoute(routes, 'GET', '/agents/a%20b/configs/live')).toMatchObject({
      params: { agentId: 'a b' },
    });
  });

  it('tells a wrong method from an unknown path', () => {
    expect(matchRoute(routes, 'DELETE', '/agents/7/configs')).toEqual({
      kind: 'method_not_allowed',
      allowed: ['POST'],
    });
    expect(matchRoute(routes, 'GET', '/agents/7/nothing')).toEqual({ kind: 'not_found' });
  });

  it('refuses two operations on one route', () => {
    expect(() => compileRoutes([op('GET', '/x', 'a'), op('GET', '/x', 'b')])).toThrow(
      /share the REST route GET \/x/,
    );
  });

  it('converts numeric and boolean text only where the schema wants it', () => {
    const schema = z.strictObject({
      agentId: z.number(),
      version: z.number().optional(),
      flag: z.boolean().optional(),
      name: z.string(),
    });
    expect(coerceStrings(schema, { agentId: '7', version: '2', flag: 'true', name: '12' })).toEqual({
      agentId: 7,
      version: 2,
      flag: true,
      name: '12',
    });
    // Text that is not a number stays text, so validation can name the field.
    expect(coerceStrings(schema, { agentId: 'abc', flag: 'yes' })).toEqual({ agentId: 'abc', flag: 'yes' });
  });
});

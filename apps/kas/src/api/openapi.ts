import { z } from 'zod';
import type { AnyOperation } from './operation';
import { restPrefix } from './rest-routes';

type JsonSchema = Record<string, unknown>;

function jsonSchema(schema: z.ZodType, io: 'input' | 'output'): JsonSchema {
  const out = z.toJSONSchema(schema, { target: 'draft-2020-12', io, unrepresentable: 'any' }) as JsonSchema;
  delete out.$schema;
  return out;
}

const errorSchema: JsonSchema = {
  type: 'object',
  required: ['code', 'message'],
  properties: {
    code: {
      type: 'string',
      description: 'machine-readable error code, e.g. invalid_input, not_found, forbidden',
    },
    message: { type: 'string', description: 'what went wrong and how to fix it; names the field' },
    field: { type: 'string', description: 'the input field at fault, dotted path' },
    traceId: { type: 'string', description: 'present on internal errors; quote it when reporting' },
  },
};

const errorResponses = {
  '400': 'invalid input or malformed JSON',
  '401': 'not authenticated',
  '403': 'authenticated but not allowed (reason in message), or missing CSRF token',
  '404': 'not found or not visible to you',
  '409': 'conflicts with existing state',
  '413': 'request body larger than 1 MiB',
  '429': 'rate limited; see Retry-After',
  '500': 'internal error; see traceId',
};

/**
 * OpenAPI 3.1 for every REST operation, generated from the same zod schemas the server validates
 * with (JSON Schema 2020-12 via `z.toJSONSchema`).
 */
export function buildOpenApiDocument(operations: readonly AnyOperation[], version: string): JsonSchema {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const op of operations) {
    const openApiPath = `${restPrefix}${op.path.replace(/:([A-Za-z0-9_]+)/g, '{$1}')}`;
    const pathParams = [...op.path.matchAll(/:([A-Za-z0-9_]+)/g)].map((m) => m[1]!);
    const shape = op.input.shape as Record<string, z.ZodType>;
    const hasBody = op.method === 'POST' || op.method === 'PUT' || op.method === 'PATCH';
    const parameters: unknown[] = pathParams.map((name) => ({
      name,
      in: 'path',
      required: true,
      schema: shape[name] ? jsonSchema(shape[name], 'input') : { type: 'string' },
    }));
    const rest = Object.keys(shape).filter((k) => !pathParams.includes(k));
    const restSchema = op.input.pick(Object.fromEntries(rest.map((k) => [k, true])) as never);
    if (!hasBody) {
      const restJson = jsonSchema(restSchema, 'input');
      const required = new Set((restJson.required as string[] | undefined) ?? []);
      for (const [name, schema] of Object.entries(
        (restJson.properties as Record<string, JsonSchema>) ?? {},
      )) {
        parameters.push({ name, in: 'query', required: required.has(name), schema });
      }
    }
    const operationObject: Record<string, unknown> = {
      operationId: op.name,
      summary: op.summary,
      tags: [op.name.split('.')[0]],
      'x-trpc-procedure': op.name,
      'x-trpc-type': op.type,
      security:
        op.access === 'public' ? [] : [{ personalAccessToken: [] }, { sessionCookie: [], csrfToken: [] }],
      parameters,
      responses: {
        [String(op.successStatus ?? 200)]:
          op.successStatus === 204
            ? { description: 'done' }
            : {
                description: 'success',
                content: { 'application/json': { schema: jsonSchema(op.output, 'output') } },
              },
        ...Object.fromEntries(
          Object.entries(errorResponses).map(([status, description]) => [
            status,
            {
              description,
              content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
            },
          ]),
        ),
      },
    };
    if (hasBody) {
      operationObject.requestBody = {
        required: true,
        content: { 'application/json': { schema: jsonSchema(restSchema, 'input') } },
      };
    }
    (paths[openApiPath] ??= {})[op.method.toLowerCase()] = operationObject;
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Mooring kas API',
      version,
      description:
        'REST twin of the tRPC API at /trpc. Authenticate with a personal access token (Authorization: Bearer mpat-…; scope read_api for reads, api for writes) or a session cookie from POST /api/v1/session plus the X-Csrf-Token header on writes.',
    },
    jsonSchemaDialect: 'https://json-schema.org/draft/2020-12/schema',
    paths,
    components: {
      schemas: { Error: errorSchema },
      securitySchemes: {
        personalAccessToken: { type: 'http', scheme: 'bearer', description: 'mpat-… personal access token' },
        sessionCookie: { type: 'apiKey', in: 'cookie', name: 'mooring_session' },
        csrfToken: { type: 'apiKey', in: 'header', name: 'X-Csrf-Token' },
      },
    },
  };
}

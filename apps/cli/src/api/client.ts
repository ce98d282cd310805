// kas's REST API (docs/api.md) by operation name, typed from the OpenAPI document (gen/openapi-types.ts) and every
// answer checked with zod against the same document's schema (gen/openapi.json, turned into zod by z.fromJSONSchema),
// so a kas that answers something else is caught here, not three calls later.
import fs from 'node:fs';
import { z } from 'zod';
import { CliError, exitCodes } from '../errors';
import { httpRequest } from '../http';
import type { operations } from './gen/openapi-types';

export type OperationId = keyof operations;
type Op<K extends OperationId> = operations[K];
type SuccessOf<R> = R extends { 200: infer A } ? A : R extends { 201: infer A } ? A : never;
type JsonOf<A> = A extends { content: { 'application/json': infer J } } ? J : undefined;
/** What operation K answers on success. */
export type Answer<K extends OperationId> = JsonOf<SuccessOf<Op<K>['responses']>>;
type PathOf<K extends OperationId> = Op<K>['parameters'] extends { path: infer P } ? P : never;
type QueryOf<K extends OperationId> = Op<K>['parameters'] extends { query?: infer Q } ? Q : never;
type BodyOf<K extends OperationId> =
  Op<K> extends { requestBody: { content: { 'application/json': infer B } } }
    ? B
    : Op<K> extends { requestBody?: { content: { 'application/json': infer B } } }
      ? B
      : never;

export interface CallInput<K extends OperationId> {
  path?: PathOf<K>;
  query?: QueryOf<K>;
  body?: BodyOf<K>;
}

interface DocOperation {
  method: string;
  template: string;
  success: { status: number; schema: unknown } | undefined;
}

let operationIndex: Map<string, DocOperation> | undefined;

/** operationId → method, path and success schema, read once from the generated document. */
function operationsInDocument(): Map<string, DocOperation> {
  if (operationIndex) return operationIndex;
  const doc = JSON.parse(fs.readFileSync(new URL('./gen/openapi.json', import.meta.url), 'utf8')) as {
    paths: Record<
      string,
      Record<
        string,
        { operationId: string; responses: Record<string, { content?: Record<string, { schema: unknown }> }> }
      >
    >;
  };
  operationIndex = new Map();
  for (const [template, methods] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(methods)) {
      const status = Object.keys(op.responses).find((s) => s.startsWith('2'));
      const schema = status ? op.responses[status]!.content?.['application/json']?.schema : undefined;
      operationIndex.set(op.operationId, {
        method: method.toUpperCase(),
        template,
        success: status ? { status: Number(status), schema } : undefined,
      });
    }
  }
  return operationIndex;
}

const validators = new Map<string, z.ZodType>();
function validatorOf(id: string, schema: unknown): z.ZodType {
  let v = validators.get(id);
  if (!v) {
    v = z.fromJSONSchema(schema as never);
    validators.set(id, v);
  }
  return v;
}

const errorBody = z.object({ code: z.string(), message: z.string(), field: z.string().optional() });

/** kas's error, with the HTTP status; 401 always tells the user to log in. */
export class KasApiError extends CliError {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message, status === 401 ? exitCodes.unauthenticated : exitCodes.failed);
    this.name = 'KasApiError';
  }
}

export interface ApiClientOptions {
  kasUrl: URL;
  ca?: string | undefined;
  /** A personal access token (Authorization: Bearer). */
  token?: string | undefined;
  /** A session cookie and its CSRF token (only while mooring login mints the token). */
  session?: { cookie: string; csrfToken: string } | undefined;
}

export interface RawAnswer<T> {
  body: T;
  headers: Record<string, string | string[] | undefined>;
}

export class ApiClient {
  constructor(private readonly options: ApiClientOptions) {}

  with(extra: Partial<ApiClientOptions>): ApiClient {
    return new ApiClient({ ...this.options, ...extra });
  }

  get kasUrl(): URL {
    return this.options.kasUrl;
  }

  async call<K extends OperationId>(id: K, input: CallInput<K> = {}): Promise<Answer<K>> {
    return (await this.callRaw(id, input)).body;
  }

  async callRaw<K extends OperationId>(id: K, input: CallInput<K> = {}): Promise<RawAnswer<Answer<K>>> {
    const op = operationsInDocument().get(id);
    if (!op) throw new Error(`operation ${id} is not in the OpenAPI document`);
    const path = op.template.replace(/\{([A-Za-z0-9_]+)\}/g, (_m, name: string) => {
      const value = (input.path as Record<string, unknown> | undefined)?.[name];
      return encodeURIComponent(String(value));
    });
    const base = this.options.kasUrl.href.replace(/\/+$/, '');
    const url = new URL(`${base}${path}`);
    for (const [name, value] of Object.entries((input.query as Record<string, unknown> | undefined) ?? {})) {
      if (value !== undefined) url.searchParams.set(name, String(value));
    }
    const headers: Record<string, string> = {};
    if (this.options.token) headers.authorization = `Bearer ${this.options.token}`;
    if (this.options.session) {
      headers.cookie = this.options.session.cookie;
      headers['x-csrf-token'] = this.options.session.csrfToken;
    }
    const answer = await httpRequest({
      method: op.method,
      url,
      headers,
      ...(input.body !== undefined ? { body: JSON.stringify(input.body) } : {}),
      ca: this.options.ca,
    });
    const where = `${op.method} ${url.pathname}`;
    let json: unknown;
    try {
      json = answer.body === '' ? undefined : JSON.parse(answer.body);
    } catch {
      throw new CliError(
        `${url.origin} answered ${where} with HTTP ${answer.status} and no JSON (${String(answer.headers['content-type'] ?? 'no content type')}): is ${base} kas's console API address (default port 8153) or the console's?`,
        answer.status === 0 ? exitCodes.unreachable : exitCodes.failed,
      );
    }
    if (answer.status >= 400) {
      const err = errorBody.safeParse(json);
      const message = err.success ? err.data.message : `HTTP ${answer.status}`;
      if (answer.status === 401)
        throw new KasApiError(
          401,
          'unauthenticated',
          `kas refused the credential (${message}): run mooring login${this.options.token ? ' (the stored token is unknown, revoked or expired)' : ''}`,
        );
      throw new KasApiError(
        answer.status,
        err.success ? err.data.code : 'http_error',
        `${where}: ${message}`,
      );
    }
    if (!op.success || answer.status !== op.success.status)
      throw new CliError(`${where} answered HTTP ${answer.status}, not ${op.success?.status}: is this kas?`);
    if (op.success.schema === undefined) return { body: undefined as Answer<K>, headers: answer.headers };
    const checked = validatorOf(id, op.success.schema).safeParse(json);
    if (!checked.success) {
      const issue = checked.error.issues[0]!;
      throw new CliError(
        `kas answered ${where} with something this CLI does not understand (${issue.path.join('.') || 'answer'}: ${issue.message}): is kas the same version as this CLI?`,
      );
    }
    return { body: checked.data as Answer<K>, headers: answer.headers };
  }
}

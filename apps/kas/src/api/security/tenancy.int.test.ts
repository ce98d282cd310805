// Cross-tenant isolation, generated from the API's own lists: every operation (allOperations, over
// REST) and every tRPC procedure that is not an operation (subscriptions over SSE, live queries) is
// called by a user of tenant B with each of tenant A's objects in turn, and must answer 404 — never
// 403 (which would confirm the object exists) and never A's data. A new operation or subscription
// is covered without editing this file; one with an input field this file cannot fill fails here
// and names the field.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { defaultModules } from '../../modules';
import { allSubscriptions, appRouter } from '../../trpc/router';
import type { RestClient } from '../../testing/api-client';
import { startTestKas, type TestKas } from '../../testing/test-kas';
import { buildHttpWorld, uniqueName, type HttpWorld } from '../../testing/world';
import type { AnyOperation } from '../operation';
import { allOperations } from '../operations/index';

/**
 * Input fields that name a tenant's object. User accounts are global, not a tenant's (a member is
 * added by username), so `userId` counts only for the operations in `globalAdminOnly`.
 */
type ObjectKey = 'groupId' | 'parentId' | 'projectId' | 'agentId' | 'tokenId' | 'userId';
const objectKeys: readonly ObjectKey[] = ['groupId', 'parentId', 'projectId', 'agentId', 'tokenId'];

interface Tenant {
  world: HttpWorld;
  groupPath: string;
  agentName: string;
  ownerUsername: string;
  agentTokenId: number;
  patId: number;
}

/**
 * Operations on another user's account: only administrators read or change other users, so the
 * answer is the same for A's user and for no user at all (403 whatever the id).
 */
const globalAdminOnly = new Set([
  'users.get',
  'users.update',
  'users.changePassword',
  'personalAccessTokens.list',
]);

/** Values for the input fields that do not name an object (a valid value, so validation passes). */
function sampleValue(field: string, b: Tenant): unknown {
  const samples: Record<string, unknown> = {
    name: 'probe',
    path: uniqueName('probe'),
    description: 'probe',
    role: 'guest',
    username: b.ownerUsername,
    userId: b.world.userIds.owner,
    targetId: b.world.agentId,
    yaml: 'observability:\n  logging:\n    level: info\n',
    version: 1,
    from: 1,
    to: 2,
    scopes: ['read_api'],
    jobId: '1',
    environment: 'production',
    environmentTier: 'production',
    ttlSeconds: 60,
    url: 'grpcs://agent.example.test:8443',
    auth: { type: 'jwt' },
    isAdmin: false,
    currentPassword: 'owner-password-1',
    newPassword: 'a-new-password-1',
    password: 'a-new-password-1',
    targetType: 'agent',
    resource: 'pods',
  };
  if (!(field in samples))
    throw new Error(`add a sample value for input field "${field}" to tenancy.int.test.ts`);
  return samples[field];
}

/** Tenant A's object for an input field of an operation. */
function objectOf(opName: string, key: ObjectKey, t: Tenant): number {
  switch (key) {
    case 'groupId':
    case 'parentId':
      return t.world.groupId;
    case 'projectId':
      return t.world.projectId;
    case 'agentId':
      return t.world.agentId;
    case 'tokenId':
      return opName.startsWith('personalAccessTokens.') ? t.patId : t.agentTokenId;
    case 'userId':
      return t.world.userIds.owner;
  }
}

const isRequired = (schema: z.ZodType) => !schema.safeParse(undefined).success;
const errorCode = (text: string) => (JSON.parse(text) as { code?: string }).code;

/** One call per object field of the input: that field A's object, the other object fields B's own. */
function probesOf(op: { name: string; input: z.ZodObject; path?: string }, a: Tenant, b: Tenant) {
  const shape = op.input.shape as Record<string, z.ZodType>;
  // A REST path parameter is needed even where the input schema allows leaving it out.
  const needed = (field: string) => isRequired(shape[field]!) || (op.path ?? '').includes(`:${field}`);
  const fields = Object.keys(shape);
  const probed: readonly string[] = globalAdminOnly.has(op.name) ? [...objectKeys, 'userId'] : objectKeys;
  const keys = fields.filter((f): f is ObjectKey => probed.includes(f));
  return keys.map((key) => {
    const input: Record<string, unknown> = {};
    for (const field of fields) {
      if (field === key) input[field] = objectOf(op.name, key, a);
      else if (probed.includes(field)) {
        if (needed(field)) input[field] = objectOf(op.name, field as ObjectKey, b);
      } else if (needed(field)) input[field] = sampleValue(field, b);
    }
    return { key, input };
  });
}

function restCall(op: AnyOperation, client: RestClient, input: Record<string, unknown>) {
  const rest = { ...input };
  const path = op.path.replace(/:(\w+)/g, (_, name: string) => {
    const value = rest[name];
    delete rest[name];
    return encodeURIComponent(String(value));
  });
  if (op.method === 'GET' || op.method === 'DELETE') {
    const query = new URLSearchParams(
      Object.entries(rest).map(([k, v]): [string, string] => [k, String(v)]),
    ).toString();
    return client.request(op.method, `/api/v1${path}${query ? `?${query}` : ''}`);
  }
  return client.request(op.method, `/api/v1${path}`, rest);
}

type Procedure = { _def: { type: 'query' | 'mutation' | 'subscription'; inputs: z.ZodObject[] } };
const procedures = (appRouter as unknown as { _def: { procedures: Record<string, Procedure> } })._def
  .procedures;

/** A tRPC query or subscription as the console calls it; the first error or data event. */
async function trpcCall(
  kas: TestKas,
  client: RestClient,
  name: string,
  type: 'query' | 'subscription',
  input: Record<string, unknown>,
): Promise<{ status: number; text: string }> {
  const abort = new AbortController();
  const res = await fetch(`${kas.apiUrl}/trpc/${name}?input=${encodeURIComponent(JSON.stringify(input))}`, {
    headers: { cookie: client.cookie!, ...(type === 'subscription' && { accept: 'text/event-stream' }) },
    signal: abort.signal,
  });
  if (type === 'query' || !res.headers.get('content-type')?.includes('text/event-stream'))
    return { status: res.status, text: await res.text() };
  // SSE: read until the first event that is not tRPC's own `connected`/`ping`.
  const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
  let text = '';
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      text += value;
      const events = text.split('\n\n').slice(0, -1);
      const error = events.find((e) => e.includes('event: serialized-error'));
      if (error) {
        const data = JSON.parse(/data: ?(.*)/.exec(error)![1]!) as { data?: { httpStatus?: number } };
        return { status: data.data?.httpStatus ?? 500, text: error };
      }
      const dataEvent = events.find((e) => /^data:/m.test(e) && !/event: ?(connected|ping)/.test(e));
      if (dataEvent) return { status: 200, text: dataEvent };
    }
    return { status: res.status, text };
  } finally {
    abort.abort();
  }
}

async function buildTenant(kas: TestKas): Promise<Tenant> {
  const world = await buildHttpWorld(kas);
  const group = await world.admin.get<{ fullPath: string }>(`/api/v1/groups/${world.groupId}`);
  const agent = await world.admin.get<{ name: string }>(`/api/v1/agents/${world.agentId}`);
  const owner = await world.admin.get<{ username: string }>(`/api/v1/users/${world.userIds.owner}`);
  const token = await world.as.maintainer.post<{ token: { id: number } }>(
    `/api/v1/agents/${world.agentId}/tokens`,
    { name: 'probe' },
  );
  expect(token.status, token.text).toBe(201);
  for (const level of ['info', 'warn']) {
    const saved = await world.as.maintainer.post(`/api/v1/agents/${world.agentId}/configs`, {
      yaml: `observability:\n  logging:\n    level: ${level}\n`,
    });
    expect(saved.status, saved.text).toBe(201);
  }
  const pat = await world.as.owner.post<{ token: { id: number } }>('/api/v1/personal_access_tokens', {
    name: 'probe',
    scopes: ['read_api'],
  });
  expect(pat.status, pat.text).toBe(201);
  return {
    world,
    groupPath: group.body.fullPath,
    agentName: agent.body.name,
    ownerUsername: owner.body.username,
    agentTokenId: token.body.token.id,
    patId: pat.body.token.id,
  };
}

describe('cross-tenant isolation', () => {
  let kas: TestKas;
  let a: Tenant;
  let b: Tenant;
  beforeAll(async () => {
    // Each tenant's owner founds its own top-level group, as MOORING_USERS_CAN_CREATE_GROUPS allows.
    kas = await startTestKas('pglite', {
      modules: defaultModules(),
      env: { MOORING_USERS_CAN_CREATE_GROUPS: 'true' },
    });
    a = await buildTenant(kas);
    b = await buildTenant(kas);
  }, 300_000);
  afterAll(() => kas?.dispose());

  /** What tenant A's data looks like in an answer. */
  const leaks = (text: string) =>
    [a.groupPath, a.agentName, a.ownerUsername].filter((marker) => text.includes(marker));

  it('answers 404 to every operation a user of another tenant calls on a tenant’s objects', async () => {
    const outcomes: string[] = [];
    const problems: string[] = [];
    let probes = 0;
    for (const op of allOperations) {
      for (const { key, input } of probesOf(op, a, b)) {
        probes++;
        // Tenant B's Owner: the role that may do the most.
        const res = await restCall(op, b.world.as.owner, input);
        const label = `${op.name} with A's ${key}`;
        const optional = !isRequired((op.input.shape as Record<string, z.ZodType>)[key]!);
        if (globalAdminOnly.has(op.name) || optional) {
          // A filter (optional field) or another user's account: the same answer as for no object.
          const missing = await restCall(op, b.world.as.owner, { ...input, [key]: 999_999_999 });
          outcomes.push(`${label}: ${res.status} (no object: ${missing.status})`);
          const same =
            res.status === missing.status &&
            (res.status === 200
              ? res.text === missing.text
              : errorCode(res.text) === errorCode(missing.text));
          if (!same)
            problems.push(
              `${label}: ${res.status} ${res.text}, but for no object ${missing.status} ${missing.text}`,
            );
          if (res.status === 200 && !optional) problems.push(`${label}: 200 ${res.text}`);
        } else {
          outcomes.push(`${label}: ${res.status}`);
          if (res.status !== 404) problems.push(`${label}: ${res.status} ${res.text}`);
        }
        if (leaks(res.text).length > 0) problems.push(`${label} shows A's data: ${res.text}`);
      }
    }
    console.log(`tenancy: ${probes} probes\n  ${outcomes.join('\n  ')}`);
    expect(problems).toEqual([]);
    // Guard against a generator that silently probes nothing.
    expect(probes).toBeGreaterThan(30);
  });

  it('answers 404 to every subscription and tRPC-only procedure on another tenant’s objects', async () => {
    const operationNames = new Set(allOperations.map((op) => op.name));
    const extra = Object.entries(procedures).filter(([name]) => !operationNames.has(name));
    const subscriptions = extra.filter(([, p]) => p._def.type === 'subscription').map(([n]) => n);
    expect(subscriptions.length, 'the router has subscriptions').toBeGreaterThan(0);
    const outcomes: string[] = [];
    let probes = 0;
    for (const [name, procedure] of extra) {
      const type = procedure._def.type;
      expect(type, `${name}: a tRPC-only mutation would need CSRF handling here`).not.toBe('mutation');
      // Subscriptions declare their input with defineSubscription (the router wraps it); queries carry theirs.
      const declared = allSubscriptions.find((sub) => sub.name === name)?.input;
      const input = (declared ?? procedure._def.inputs[0]) as z.ZodObject | undefined;
      if (!input || !('shape' in input)) continue;
      for (const probe of probesOf({ name, input }, a, b)) {
        probes++;
        const res = await trpcCall(
          kas,
          b.world.as.owner,
          name,
          type as 'query' | 'subscription',
          probe.input,
        );
        outcomes.push(`${name} with A's ${probe.key}: ${res.status}`);
        expect(res.status, `${name} with A's ${probe.key}: ${res.text}`).toBe(404);
        expect(leaks(res.text), name).toEqual([]);
      }
    }
    console.log(`tenancy (tRPC-only): ${probes} probes\n  ${outcomes.join('\n  ')}`);
    expect(probes).toBeGreaterThanOrEqual(subscriptions.length);
  });

  it('lists and searches without any of another tenant’s data', async () => {
    for (const op of allOperations) {
      if (op.type !== 'query') continue;
      const shape = op.input.shape as Record<string, z.ZodType>;
      const required = Object.entries(shape).filter(([, s]) => isRequired(s));
      if (required.length > 0) continue;
      const res = await restCall(op, b.world.as.owner, {});
      expect(leaks(res.text), `${op.name}: ${res.text}`).toEqual([]);
    }
  });
});

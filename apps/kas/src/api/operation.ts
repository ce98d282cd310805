import type { z } from 'zod';
import type { AgentInstallFacts } from '../agent-install';
import type { Logger } from '../logger';
import type { Provided } from '../provided';
import type { EventStream, Subscribe } from '../trpc/event-stream';
import type { KasServices } from './services-adapter';

/** The signed-in user as the API layer sees it. */
export interface ApiUser {
  id: number;
  username: string;
  isAdmin: boolean;
}

/** Who is calling, and how they proved it. */
export type Principal =
  | { kind: 'anonymous' }
  | { kind: 'session'; user: ApiUser; sessionToken: string; csrfValid: (token: string) => boolean }
  | { kind: 'pat'; user: ApiUser; tokenId: number; scopes: readonly string[] };

export interface CookieOptions {
  maxAgeSeconds?: number;
}

/** What a handler may do to the HTTP response, the same for REST and tRPC. */
export interface ResponseControl {
  setCookie(name: string, value: string, options?: CookieOptions): void;
  clearCookie(name: string): void;
}

interface BaseContext {
  services: KasServices;
  principal: Principal;
  /** The caller's socket address, written into audit rows. */
  remoteAddress: string | undefined;
  userAgent: string | undefined;
  traceId: string;
  logger: Logger;
  response: ResponseControl;
  kas: KasInfo;
}

/** Facts about this kas that answers may mention. */
export interface KasInfo {
  /** grpc(s):// address agentk should dial, once known. */
  agentAddress(): string | undefined;
  /** The Kubernetes API proxy's URL and CA (null: chains to the system roots); null when kas runs no proxy. */
  proxyEndpoint(): { url: string; caPem: string | null } | null;
  /** What install instructions need (agent-install.ts); undefined until the agent listener is bound. */
  agentInstall?(): AgentInstallFacts | undefined;
  /** A value a module provided at start (KasModuleContext.provide), e.g. the object watch hub; undefined if none. */
  provided?<T>(name: string): T | undefined;
}

export interface PublicContext extends BaseContext {
  user: ApiUser | null;
}

export interface AuthenticatedContext extends BaseContext {
  user: ApiUser;
}

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
export type OperationType = 'query' | 'mutation';
export type Access = 'public' | 'authenticated';

/**
 * One API operation, declared once. The tRPC procedure (`name` is its dotted path), the REST route
 * (`method` + `path` under /api/v1) and the OpenAPI entry are all derived from it.
 */
export interface Operation<
  I extends z.ZodObject = z.ZodObject,
  O extends z.ZodType = z.ZodType,
  T extends OperationType = OperationType,
  A extends Access = Access,
> {
  name: string;
  type: T;
  access: A;
  method: HttpMethod;
  /** Under /api/v1, with `:param` segments that fill input fields of the same name. */
  path: `/${string}`;
  summary: string;
  /** HTTP status on success; 200 unless set (201 for creations, 204 for empty answers). */
  successStatus?: 200 | 201 | 204;
  input: I;
  output: O;
  handler(
    input: z.output<I>,
    ctx: A extends 'public' ? PublicContext : AuthenticatedContext,
  ): Promise<z.input<O>>;
}

export type AnyOperation = Operation<z.ZodObject, z.ZodType, OperationType, Access>;

/** Identity function that keeps the literal types tRPC needs to infer the router. */
export function defineOperation<
  I extends z.ZodObject,
  O extends z.ZodType,
  T extends OperationType,
  A extends Access = 'authenticated',
>(operation: Omit<Operation<I, O, T, A>, 'access'> & { access?: A }): Operation<I, O, T, A> {
  return { ...operation, access: operation.access ?? ('authenticated' as A) };
}

/** Operations of one domain, keyed by their procedure name inside that domain. */
export type OperationGroup = Record<string, AnyOperation>;

/** What a subscription may consult while authorizing: the caller and the values modules provided at start. */
export interface SubscriptionAuthContext extends AuthenticatedContext {
  provided: Provided;
}

/** What a subscription's handler gets on top of an operation's context. */
export interface SubscriptionContext<G> extends SubscriptionAuthContext {
  /** Aborts when the client goes away, kas shuts down or the viewer lost the right to this stream. */
  signal: AbortSignal;
  /** What `authorize` answered last; it answers again whenever the viewer's rights may have changed. */
  grant(): G;
  /**
   * Subscribes now, before the handler reads its snapshot (trpc/event-stream.ts): pending events are bounded by
   * kas's live limits, a consumer too far behind pulls BEHIND, and a failed re-authorization ends the stream.
   */
  events<E>(subscribe: Subscribe<E>): EventStream<E>;
}

/** One event of a subscription: `id` is what a reconnecting client sends back as lastEventId. */
export interface SubscriptionEvent<T> {
  id: string;
  data: T;
}

/**
 * One live stream, declared once beside the operations: the tRPC subscription (`name` is its dotted path) is
 * derived from it (trpc/from-subscriptions.ts), with the same authentication and PAT scope as a query, plus
 * `authorize`, run when the stream opens and again on every services.events.accessChanged for the viewer.
 */
export interface Subscription<
  I extends z.ZodObject = z.ZodObject,
  O extends z.ZodType = z.ZodType,
  G = unknown,
> {
  name: string;
  type: 'subscription';
  access: 'authenticated';
  summary: string;
  input: I;
  /** Each event's data. */
  output: O;
  /** Throws (404/403) when the caller may not watch this; the answer is the handler's `grant()`. */
  authorize(input: z.output<I>, ctx: SubscriptionAuthContext): Promise<G>;
  handler(input: z.output<I>, ctx: SubscriptionContext<G>): AsyncIterable<SubscriptionEvent<z.input<O>>>;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the grant type is each subscription's own
export type AnySubscription = Subscription<z.ZodObject, z.ZodType, any>;

/** Identity function that keeps the literal types tRPC needs to infer the router. */
export function defineSubscription<I extends z.ZodObject, O extends z.ZodType, G>(
  subscription: Omit<Subscription<I, O, G>, 'type' | 'access'>,
): Subscription<I, O, G> {
  return { ...subscription, type: 'subscription', access: 'authenticated' };
}

/** Subscriptions of one domain, keyed by their procedure name inside that domain. */
export type SubscriptionGroup = Record<string, AnySubscription>;

/**
 * kas domain services: plain TypeScript over the database, no HTTP. The API layers (tRPC, REST,
 * gRPC handlers, the proxy) authenticate the caller, build an `Actor`, call these, and map
 * `ServiceError.code` to their status codes. Every method that takes an Actor checks permissions
 * through the policy module (NotFoundError when the target is not visible, ForbiddenError with a
 * reason when it is), validates input (ValidationError naming the field), and writes its change and
 * its audit row in one transaction.
 *
 *   const services = createServices({ db, secret: process.env.MOORING_SECRET! });
 *   const admin = await services.users.ensureInitialAdmin({ password: process.env.MOORING_ADMIN_PASSWORD });
 *   const { sessionId, csrfToken, user } = await services.sessions.login({ username, password, address });
 *   const actor = actorFor(user, { address });            // or verifiedPat.actor for PAT requests
 *   const group = await services.groups.create(actor, { name: 'Platform', path: 'platform' });
 *   const project = await services.projects.create(actor, { groupId: group.id, name: 'Prod', path: 'prod' });
 *   const agent = await services.agents.register(actor, { projectId: project.id, name: 'prod-cluster' });
 *   const { token } = await services.agentTokens.create(actor, agent.id, { name: 'ci' });
 *   await services.agentTokens.verify(token);              // → { agentId, tokenId, projectId } | null
 *   await services.close();                                // flushes batched last-used times
 *
 * Groups of the returned object:
 * - users, sessions (login/resolve/logout/CSRF), loginThrottle, personalAccessTokens (create/list/revoke/verify)
 * - groups, projects (create/get/getByPath/list/update/move/delete), memberships (set/remove/list/ofUser)
 * - policy (can/authorize/authorizeGlobal/rolesOn)
 * - agents (register/get/list/getById/delete), agentTokens (create/list/revoke/verify/refused/onRevoked)
 * - agentConfigs (save/validate/live/getLive/getVersion/history/diff/onChanged)
 * - agentConnections (record/markDisconnected/expireStale/list), agentActivity (list)
 * - receptiveEndpoints (save/get/delete/credentials), ciJobTokens (mint/verify),
 *   agentAccess (forUser/forCiJob: the facts the proxy's impersonation is made of; authorizations/sharedWithProject)
 * - audit (list), events (in-process topics)
 */
import type { Database } from '@mooring/db';
import { createAgentAccessService } from './agent-access';
import { createAgentActivityService } from './agent-activity';
import { createAgentConfigService } from './agent-configs';
import { createAgentConnectionService } from './agent-connections';
import { createAgentService } from './agents';
import { createAgentTokenService } from './agent-tokens';
import { createAuditService } from './audit';
import { createCiJobTokenService } from './ci-job-tokens';
import { createConfigValidator, type ConfigValidatorOptions } from './config-validator';
import { systemClock, type Clock } from './clock';
import type { ServiceContext } from './context';
import { parseSecret } from './crypto';
import { ServiceEvents } from './events';
import { createLoginThrottle, type LoginThrottleOptions } from './login-throttle';
import { createMembershipService } from './memberships';
import { createNamespaceService } from './namespaces';
import { createPersonalAccessTokenService } from './personal-access-tokens';
import { createPolicy } from './policy';
import { createReceptiveEndpointService } from './receptive-endpoints';
import { createLeaseService } from './leases';
import { createSessionService, type SessionOptions } from './sessions';
import { createUserService } from './users';

export interface CacheTtls {
  /** How long a valid token stays cached. Default 5 min. Bounds how late another replica sees a revocation. */
  positiveSeconds?: number;
  /** How long an unknown/revoked token stays cached. Default 1 min. */
  negativeSeconds?: number;
  /** How often batched last_used_at times are written. Default 30 s; 0 = only on flush/close. */
  lastUsedFlushSeconds?: number;
}

export interface CreateServicesOptions {
  db: Database;
  /** MOORING_SECRET: base64 of ≥ 32 bytes (or the bytes). Keys for CSRF and at-rest encryption derive from it. */
  secret: string | Buffer;
  clock?: Clock;
  cacheTtls?: CacheTtls;
  loginThrottle?: LoginThrottleOptions;
  sessions?: SessionOptions;
  /** Agent configuration versions kept per agent (the live one always stays). Default 100. */
  configVersionsKept?: number;
  /** Worker threads and queue for validating agent configurations off the request thread. */
  configValidator?: ConfigValidatorOptions;
  /** Where a throwing event listener or a failed background write is reported (e.g. the logger). */
  onBackgroundError?: (err: unknown) => void;
  /** MOORING_USERS_CAN_CREATE_GROUPS: every signed-in user may create top-level groups. Default: only admins. */
  usersCanCreateGroups?: boolean;
}

/** accessChanged's reason when a user's password, tokens or account changed (their cached credentials go). */
const CREDENTIALS_CHANGED = 'credentials or account changed';

export function createServices(options: CreateServicesOptions) {
  const clock = options.clock ?? systemClock;
  const secret = parseSecret(options.secret);
  const policy = createPolicy({
    db: options.db,
    ...(options.usersCanCreateGroups !== undefined && { usersCanCreateGroups: options.usersCanCreateGroups }),
  });
  const events = new ServiceEvents(options.onBackgroundError);
  const ctx: ServiceContext = { db: options.db, clock, policy, secret, events };
  const ttl = {
    positiveTtlMs: (options.cacheTtls?.positiveSeconds ?? 300) * 1000,
    negativeTtlMs: (options.cacheTtls?.negativeSeconds ?? 60) * 1000,
    lastUsedFlushMs: (options.cacheTtls?.lastUsedFlushSeconds ?? 30) * 1000,
  };

  const personalAccessTokens = createPersonalAccessTokenService(ctx, ttl);
  const users = createUserService(ctx, {
    onCredentialsChanged: (userId) => {
      personalAccessTokens.invalidateUser(userId);
      events.accessChangedFor([userId], CREDENTIALS_CHANGED);
    },
  });
  const loginThrottle = createLoginThrottle(clock, options.loginThrottle);
  const audit = createAuditService({ db: options.db, clock });
  const sessions = createSessionService(ctx, {
    users,
    audit,
    throttle: loginThrottle,
    ...(options.sessions && { options: options.sessions }),
  });
  const namespaces = createNamespaceService(ctx);
  const memberships = createMembershipService(ctx);
  const agentTokens = createAgentTokenService(ctx, { events, options: ttl });
  const agents = createAgentService(ctx, { events, invalidateTokens: (ids) => agentTokens.invalidate(ids) });
  // Another replica revoked a token or changed a user's credentials (events cross replicas with REDIS_URL,
  // event-relay.ts): what this replica cached goes too. Here, the services already dropped it (twice is harmless).
  events.tokenRevoked.subscribe(({ tokenId }) => agentTokens.invalidate([tokenId]));
  events.accessChanged.subscribe(({ userIds, reason }) => {
    if (reason === CREDENTIALS_CHANGED && Array.isArray(userIds))
      for (const userId of userIds) personalAccessTokens.invalidateUser(userId);
  });
  const configValidator = createConfigValidator(options.configValidator);
  const agentConfigs = createAgentConfigService(ctx, {
    events,
    validator: configValidator,
    ...(options.configVersionsKept !== undefined && { versionsKept: options.configVersionsKept }),
  });
  const agentConnections = createAgentConnectionService(ctx);
  const agentActivity = createAgentActivityService(ctx);
  const receptiveEndpoints = createReceptiveEndpointService(ctx);
  const leases = createLeaseService(ctx);
  const ciJobTokens = createCiJobTokenService(ctx, ttl);
  const agentAccess = createAgentAccessService(ctx, { agents, configs: agentConfigs });

  return {
    users,
    sessions,
    loginThrottle,
    personalAccessTokens,
    groups: namespaces.groups,
    projects: namespaces.projects,
    memberships,
    policy,
    agents,
    agentTokens,
    /** The agent-token hot path, same as agentTokens.verify: `{agentId, tokenId, projectId} | null`. */
    verifyAgentToken: agentTokens.verify,
    agentConfigs,
    agentConnections,
    agentActivity,
    receptiveEndpoints,
    /** One kas process at a time: the receptive dial-out per agent (see leases.ts). */
    leases,
    ciJobTokens,
    agentAccess,
    audit,
    events,
    clock,
    /** Writes pending last-used times; call before closing the database. */
    async close(): Promise<void> {
      await Promise.all([agentTokens.close(), personalAccessTokens.close(), configValidator.close()]);
    },
  };
}

export type Services = ReturnType<typeof createServices>;

export { actorFor } from './users';
export { systemActor, PAT_SCOPES, type Actor, type PatScope } from './actor';
export * from './errors';
export { AgentConfigRejectedError } from './agent-configs';
export type { Clock } from './clock';
export type { Action, Decision, Target } from './policy';
export type { AgentInfo } from './agents';
export type { AgentTokenInfo, VerifiedAgentToken } from './agent-tokens';
export type { AgentConfigVersion, LiveAgentConfig } from './agent-configs';
export type { AgentConnectionInfo, ConnectionReport, PodRef } from './agent-connections';
export type { ActivityEvent, ActivityKind } from './agent-activity';
export type { AgentAuthorizationInfo, SharedAgentInfo } from './agent-access';
export type { ConfigWarning } from './agent-authorizations';
export type { VerifiedCiJob } from './ci-job-tokens';
export type { GroupInfo, ProjectInfo } from './namespaces';
export type { MemberInfo, MembershipTarget } from './memberships';
export type { PersonalAccessTokenInfo, VerifiedPat } from './personal-access-tokens';
export type { ReceptiveEndpointInfo, ReceptiveCredentials, ReceptiveAuthInput } from './receptive-endpoints';
export type { LoginResult, ResolvedSession } from './sessions';
export type { UserInfo } from './users';
export type { AuditRow } from './audit';
export * as inputSchemas from './validation';

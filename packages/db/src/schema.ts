// kas's tables. One pg-core schema serves both backends (embedded PGlite and
// PostgreSQL): both speak the Postgres dialect, so queries and migrations are identical.
import { sql } from 'drizzle-orm';
import {
  type AnyPgColumn,
  bigint,
  boolean,
  check,
  index,
  integer,
  jsonb,
  pgEnum,
  pgTable,
  text,
  timestamp,
  uniqueIndex,
} from 'drizzle-orm/pg-core';

const createdAt = () => timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow();
const tstz = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });
const id = () => integer('id').primaryKey().generatedByDefaultAsIdentity();

export const roleEnum = pgEnum('member_role', ['guest', 'reporter', 'developer', 'maintainer', 'owner']);
export const patScopeEnum = pgEnum('pat_scope', ['api', 'read_api', 'k8s_proxy']);
export const agentTokenStatusEnum = pgEnum('agent_token_status', ['active', 'revoked']);
export const receptiveAuthEnum = pgEnum('receptive_auth', ['jwt', 'mtls']);

export const users = pgTable('users', {
  id: id(),
  username: text('username').notNull().unique(),
  name: text('name').notNull().default(''),
  email: text('email'),
  /** `scrypt$N$r$p$salt$hash` (base64 parts); see apps/kas/src/services/passwords.ts. */
  passwordHash: text('password_hash').notNull(),
  isAdmin: boolean('is_admin').notNull().default(false),
  disabled: boolean('disabled').notNull().default(false),
  createdAt: createdAt(),
  updatedAt: tstz('updated_at').notNull().defaultNow(),
});

export const sessions = pgTable(
  'sessions',
  {
    /** sha256 of the session id the browser holds; the raw id is never stored. */
    idHash: text('id_hash').primaryKey(),
    userId: integer('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    createdAt: createdAt(),
    expiresAt: tstz('expires_at').notNull(),
    lastSeenAt: tstz('last_seen_at').notNull().defaultNow(),
    address: text('address'),
    userAgent: text('user_agent'),
  },
  (t) => [index('sessions_user_idx').on(t.userId)],
);

export const personalAccessTokens = pgTable(
  'personal_access_tokens',
  {
    id: id(),
    userId: integer('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    tokenHash: text('token_hash').notNull().unique(),
    scopes: patScopeEnum('scopes').array().notNull(),
    expiresAt: tstz('expires_at'),
    lastUsedAt: tstz('last_used_at'),
    revokedAt: tstz('revoked_at'),
    createdAt: createdAt(),
  },
  (t) => [index('pat_user_idx').on(t.userId)],
);

export const groups = pgTable(
  'groups',
  {
    id: id(),
    parentId: integer('parent_id').references((): AnyPgColumn => groups.id, {
      onDelete: 'restrict',
    }),
    name: text('name').notNull(),
    /** One path segment (`sub`); fullPath is the joined path from the root (`group/sub`). */
    path: text('path').notNull(),
    fullPath: text('full_path').notNull().unique(),
    description: text('description').notNull().default(''),
    createdAt: createdAt(),
  },
  (t) => [index('groups_parent_idx').on(t.parentId)],
);

export const projects = pgTable(
  'projects',
  {
    id: id(),
    groupId: integer('group_id')
      .notNull()
      .references(() => groups.id, { onDelete: 'restrict' }),
    name: text('name').notNull(),
    path: text('path').notNull(),
    fullPath: text('full_path').notNull().unique(),
    description: text('description').notNull().default(''),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex('projects_group_path_uq').on(t.groupId, t.path)],
);

export const memberships = pgTable(
  'memberships',
  {
    id: id(),
    userId: integer('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    groupId: integer('group_id').references(() => groups.id, { onDelete: 'cascade' }),
    projectId: integer('project_id').references(() => projects.id, { onDelete: 'cascade' }),
    role: roleEnum('role').notNull(),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex('memberships_user_group_uq').on(t.userId, t.groupId),
    uniqueIndex('memberships_user_project_uq').on(t.userId, t.projectId),
    check('memberships_one_target', sql`(${t.groupId} is null) <> (${t.projectId} is null)`),
  ],
);

export const agents = pgTable(
  'agents',
  {
    id: id(),
    projectId: integer('project_id')
      .notNull()
      .references(() => projects.id, { onDelete: 'restrict' }),
    name: text('name').notNull(),
    receptive: boolean('receptive').notNull().default(false),
    createdBy: integer('created_by').references(() => users.id, { onDelete: 'set null' }),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex('agents_project_name_uq').on(t.projectId, t.name)],
);

export const agentTokens = pgTable(
  'agent_tokens',
  {
    id: id(),
    agentId: integer('agent_id')
      .notNull()
      .references(() => agents.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    description: text('description').notNull().default(''),
    /** sha256 hex of the full `mgt-…` token. */
    tokenHash: text('token_hash').notNull().unique(),
    status: agentTokenStatusEnum('status').notNull().default('active'),
    createdBy: integer('created_by').references(() => users.id, { onDelete: 'set null' }),
    createdAt: createdAt(),
    revokedAt: tstz('revoked_at'),
    revokedBy: integer('revoked_by').references(() => users.id, { onDelete: 'set null' }),
    lastUsedAt: tstz('last_used_at'),
  },
  (t) => [index('agent_tokens_agent_idx').on(t.agentId)],
);

export const agentConfigs = pgTable(
  'agent_configs',
  {
    id: id(),
    agentId: integer('agent_id')
      .notNull()
      .references(() => agents.id, { onDelete: 'cascade' }),
    version: integer('version').notNull(),
    yaml: text('yaml').notNull(),
    authorId: integer('author_id').references(() => users.id, { onDelete: 'set null' }),
    createdAt: createdAt(),
    valid: boolean('valid').notNull(),
    /** `[{line, column, path, message}]` when invalid. */
    errors: jsonb('errors').$type<unknown[]>().notNull().default([]),
    /** `[{path, message}]`: projects/groups the config names that did not exist when it was (re-)saved. */
    warnings: jsonb('warnings').$type<unknown[]>().notNull().default([]),
  },
  (t) => [uniqueIndex('agent_configs_agent_version_uq').on(t.agentId, t.version)],
);

export const agentAuthorizations = pgTable(
  'agent_authorizations',
  {
    id: id(),
    agentId: integer('agent_id')
      .notNull()
      .references(() => agents.id, { onDelete: 'cascade' }),
    configVersion: integer('config_version').notNull(),
    /** 'ci_access' | 'user_access' */
    kind: text('kind').notNull(),
    /** 'project' | 'group' */
    targetType: text('target_type').notNull(),
    /** As written in the config; only shown. Access follows the id it resolved to. */
    targetPath: text('target_path').notNull(),
    /**
     * The group or project targetPath named when the config was (re-)saved; null when nothing had that path then
     * (a config warning) or the target was deleted since. Never re-resolved on requests, so creating a group of a
     * named path later gains nothing.
     */
    targetGroupId: integer('target_group_id').references(() => groups.id, { onDelete: 'set null' }),
    targetProjectId: integer('target_project_id').references(() => projects.id, { onDelete: 'set null' }),
    /** default_namespace, environments, access_as as written in the config. */
    settings: jsonb('settings').$type<Record<string, unknown>>().notNull().default({}),
  },
  (t) => [
    index('agent_authorizations_agent_idx').on(t.agentId),
    index('agent_authorizations_group_idx').on(t.targetGroupId),
    index('agent_authorizations_project_idx').on(t.targetProjectId),
  ],
);

export const agentConnections = pgTable(
  'agent_connections',
  {
    id: id(),
    agentId: integer('agent_id')
      .notNull()
      .references(() => agents.id, { onDelete: 'cascade' }),
    podNamespace: text('pod_namespace').notNull(),
    podName: text('pod_name').notNull(),
    agentVersion: text('agent_version').notNull().default(''),
    commit: text('commit').notNull().default(''),
    kubernetesVersion: text('kubernetes_version').notNull().default(''),
    kasReplica: text('kas_replica').notNull().default(''),
    configVersion: integer('config_version'),
    connectedAt: tstz('connected_at').notNull().defaultNow(),
    lastSeenAt: tstz('last_seen_at').notNull().defaultNow(),
    disconnectedAt: tstz('disconnected_at'),
  },
  (t) => [uniqueIndex('agent_connections_pod_uq').on(t.agentId, t.podNamespace, t.podName)],
);

export const agentActivity = pgTable(
  'agent_activity',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedByDefaultAsIdentity(),
    agentId: integer('agent_id')
      .notNull()
      .references(() => agents.id, { onDelete: 'cascade' }),
    kind: text('kind').notNull(),
    actorId: integer('actor_id').references(() => users.id, { onDelete: 'set null' }),
    details: jsonb('details').$type<Record<string, unknown>>().notNull().default({}),
    createdAt: createdAt(),
  },
  (t) => [index('agent_activity_agent_idx').on(t.agentId, t.id)],
);

export const receptiveEndpoints = pgTable('receptive_endpoints', {
  agentId: integer('agent_id')
    .primaryKey()
    .references(() => agents.id, { onDelete: 'cascade' }),
  url: text('url').notNull(),
  auth: receptiveAuthEnum('auth').notNull(),
  /** PEM (SPKI) Ed25519 public key, for agentk to verify kas's JWTs. */
  jwtPublicKey: text('jwt_public_key'),
  /** PKCS8 PEM private key, AES-256-GCM encrypted with a key derived from MOORING_SECRET. */
  jwtPrivateKeyEncrypted: text('jwt_private_key_encrypted'),
  mtlsClientCert: text('mtls_client_cert'),
  mtlsClientKeyEncrypted: text('mtls_client_key_encrypted'),
  mtlsCaCert: text('mtls_ca_cert'),
  tlsServerName: text('tls_server_name'),
  updatedBy: integer('updated_by').references(() => users.id, { onDelete: 'set null' }),
  updatedAt: tstz('updated_at').notNull().defaultNow(),
});

export const ciJobTokens = pgTable(
  'ci_job_tokens',
  {
    id: id(),
    projectId: integer('project_id')
      .notNull()
      .references(() => projects.id, { onDelete: 'cascade' }),
    jobId: text('job_id').notNull(),
    environment: text('environment'),
    environmentTier: text('environment_tier'),
    userId: integer('user_id').references(() => users.id, { onDelete: 'set null' }),
    /** sha256 hex of the full `mcj-…` token. */
    tokenHash: text('token_hash').notNull().unique(),
    expiresAt: tstz('expires_at').notNull(),
    createdAt: createdAt(),
  },
  (t) => [index('ci_job_tokens_project_idx').on(t.projectId)],
);

export const auditLog = pgTable(
  'audit_log',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedByDefaultAsIdentity(),
    actorId: integer('actor_id').references(() => users.id, { onDelete: 'set null' }),
    /** Kept verbatim so the row still says who acted after the user is deleted. */
    actorName: text('actor_name').notNull(),
    action: text('action').notNull(),
    targetType: text('target_type').notNull(),
    targetId: text('target_id').notNull(),
    details: jsonb('details').$type<Record<string, unknown>>().notNull().default({}),
    address: text('address'),
    createdAt: createdAt(),
  },
  (t) => [
    index('audit_log_created_idx').on(t.createdAt),
    index('audit_log_target_idx').on(t.targetType, t.targetId),
  ],
);

/**
 * Work exactly one kas process does at a time (the receptive dialer's dial-out per agent, `receptive:<agent id>`;
 * later other singletons): the holder renews `expires_at` while it works; another process takes the row over once
 * it expired. See apps/kas/src/services/leases.ts.
 */
export const leases = pgTable('leases', {
  name: text('name').primaryKey(),
  /** The kas process holding it (its replica id). */
  holder: text('holder').notNull(),
  expiresAt: tstz('expires_at').notNull(),
  acquiredAt: tstz('acquired_at').notNull(),
});

/**
 * kas's self-signed CA and the server certificate it issued (the agent listener and the Kubernetes API proxy serve
 * it), kept here when kas runs on PostgreSQL so every replica serves the same CA. One row per name (`agent-api`).
 * Keys are AES-256-GCM sealed with a key derived from MOORING_SECRET; `fingerprint` (the server certificate's
 * SHA-256) is what a renewal compares before it replaces the row. See apps/kas/src/certificates/.
 */
export const tlsCertificates = pgTable('tls_certificates', {
  name: text('name').primaryKey(),
  caCert: text('ca_cert').notNull(),
  caKeyEncrypted: text('ca_key_encrypted').notNull(),
  cert: text('cert').notNull(),
  keyEncrypted: text('key_encrypted').notNull(),
  fingerprint: text('fingerprint').notNull(),
  notAfter: tstz('not_after').notNull(),
  updatedAt: tstz('updated_at').notNull(),
});

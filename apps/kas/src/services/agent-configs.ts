// Agent configuration: YAML per agent, every save stored as a new version (rejected ones too, with
// their errors, so the console can show what went wrong). The newest valid version is live; a
// rejected save leaves the live one in place. Each agent keeps its newest `versionsKept` versions
// (and always its live one); older ones are deleted by the save that pushes them out, so repeated
// rejected saves cannot grow the table. Validation runs on the config validator's worker threads.
// Saving a valid version replaces the agent's derived authorizations (ci_access / user_access, paths
// resolved to ids: agent-authorizations.ts) in the same transaction and tells subscribers (the
// GetConfiguration stream) after commit. Saving the live text again re-resolves those paths without a
// new version.
import { agentConfigs, agents, users } from '@mooring/db';
import {
  MAX_AGENT_CONFIG_BYTES,
  type AgentConfig,
} from '@mooring/modules/agent_configuration/shared/config-schema';
import {
  formatConfigError,
  type ConfigError,
} from '@mooring/modules/agent_configuration/shared/parse-config';
import { and, desc, eq, lte, max, sql } from 'drizzle-orm';
import type { Actor } from './actor';
import { recordActivity, type ActivityEvent } from './agent-activity';
import { resolveAuthorizations, type ConfigWarning } from './agent-authorizations';
import { writeAudit } from './audit';
import type { ServiceContext } from './context';
import { NotFoundError, ValidationError } from './errors';
import type { ConfigValidator } from './config-validator';
import type { ServiceEvents } from './events';
import { diffLines, unifiedDiff, type DiffLine } from './line-diff';
import { BoundedTtlCache } from '@mooring/modules/shared/bounded-cache';

/** Versions kept per agent when the caller does not say (MOORING_CONFIG_VERSIONS_KEPT). */
export const DEFAULT_CONFIG_VERSIONS_KEPT = 100;
/** Parsed live configs kept in memory, so the proxy does not re-validate on every request. */
const LIVE_CACHE_ENTRIES = 1_000;

export interface AgentConfigVersion {
  agentId: number;
  version: number;
  yaml: string;
  valid: boolean;
  errors: ConfigError[];
  authorId: number | null;
  authorName: string | null;
  createdAt: Date;
}

export interface LiveAgentConfig {
  agentId: number;
  version: number;
  yaml: string;
  config: AgentConfig;
  /** Paths the config names that matched no project or group when it was (re-)saved. */
  warnings: ConfigWarning[];
}

/** Thrown for a rejected save: `errors` lists every problem with line, column and field. */
export class AgentConfigRejectedError extends ValidationError {
  constructor(
    readonly errors: ConfigError[],
    /** The version the rejected text was stored under (null when it was too large to store). */
    readonly version: number | null,
  ) {
    super(
      errors[0]?.path ? `yaml.${errors[0].path}` : 'yaml',
      `configuration rejected with ${errors.length} error${errors.length === 1 ? '' : 's'}; the agent keeps its last valid configuration: ${errors
        .slice(0, 5)
        .map(formatConfigError)
        .join('; ')}${errors.length > 5 ? '; …' : ''}`,
    );
  }
}

const versionColumns = {
  agentId: agentConfigs.agentId,
  version: agentConfigs.version,
  yaml: agentConfigs.yaml,
  valid: agentConfigs.valid,
  errors: agentConfigs.errors,
  authorId: agentConfigs.authorId,
  authorName: users.username,
  createdAt: agentConfigs.createdAt,
};

export function createAgentConfigService(
  ctx: ServiceContext,
  deps: { events: ServiceEvents; validator: ConfigValidator; versionsKept?: number },
) {
  const { db, clock, policy } = ctx;
  const versionsKept = Math.max(1, deps.versionsKept ?? DEFAULT_CONFIG_VERSIONS_KEPT);
  /** agentId → its parsed live version (checked against the stored version on every read, so no TTL is needed). */
  const liveCache = new BoundedTtlCache<number, { version: number; config: AgentConfig }>({
    maxEntries: LIVE_CACHE_ENTRIES,
    ttlMs: Number.POSITIVE_INFINITY,
  });

  async function getVersionRow(agentId: number, version: number): Promise<AgentConfigVersion> {
    const [row] = await db
      .select(versionColumns)
      .from(agentConfigs)
      .leftJoin(users, eq(users.id, agentConfigs.authorId))
      .where(and(eq(agentConfigs.agentId, agentId), eq(agentConfigs.version, version)));
    if (!row)
      throw new NotFoundError(
        `agent ${agentId} has no configuration version ${version}; list the history to see which versions exist`,
      );
    return { ...row, errors: row.errors as ConfigError[] };
  }

  async function live(agentId: number): Promise<LiveAgentConfig | null> {
    const [row] = await db
      .select({ version: agentConfigs.version, yaml: agentConfigs.yaml, warnings: agentConfigs.warnings })
      .from(agentConfigs)
      .where(and(eq(agentConfigs.agentId, agentId), eq(agentConfigs.valid, true)))
      .orderBy(desc(agentConfigs.version))
      .limit(1);
    if (!row) return null;
    const cached = liveCache.get(agentId);
    let config = cached?.version === row.version ? cached.config : undefined;
    if (!config) {
      const parsed = await deps.validator.validate(row.yaml);
      // Stored valid versions always parse; if the schema tightened since, treat as no config.
      if (!parsed.ok) return null;
      config = parsed.config;
    }
    liveCache.set(agentId, { version: row.version, config });
    const warnings = row.warnings as ConfigWarning[];
    return { agentId, version: row.version, yaml: row.yaml, config, warnings };
  }

  /**
   * Validates and stores a new version. Valid → becomes live, returns it. Invalid → stored as a
   * rejected version and AgentConfigRejectedError is thrown (after commit). Over 128 KiB →
   * AgentConfigRejectedError without storing the text. The live text again → no new version; its paths
   * are resolved anew (`created: false`). Needs Maintainer.
   */
  async function save(
    actor: Actor,
    agentId: number,
    yaml: string,
    /** Set by revert: the stored version whose text this is, recorded in the audit row. */
    opts: { revertedFrom?: number } = {},
  ): Promise<LiveAgentConfig & { created: boolean }> {
    if (typeof yaml !== 'string')
      throw new ValidationError('yaml', 'yaml must be a string holding the configuration');
    const { agent } = await policy.authorize(actor, 'agent:write_config', { type: 'agent', id: agentId });
    const parsed = await deps.validator.validate(yaml);
    const tooLarge = Buffer.byteLength(yaml, 'utf8') > MAX_AGENT_CONFIG_BYTES;
    const now = clock.now();
    let activity: ActivityEvent | undefined;
    let warnings: ConfigWarning[] = [];
    let created = true;
    const version = await db.transaction(async (tx) => {
      await tx.execute(sql`select 1 from ${agents} where ${agents.id} = ${agentId} for update`);
      if (parsed.ok) {
        const [current] = await tx
          .select({ version: agentConfigs.version, yaml: agentConfigs.yaml })
          .from(agentConfigs)
          .where(and(eq(agentConfigs.agentId, agentId), eq(agentConfigs.valid, true)))
          .orderBy(desc(agentConfigs.version))
          .limit(1);
        if (current?.yaml === yaml) {
          created = false;
          warnings = await resolveAuthorizations(tx, agentId, current.version, parsed.config);
          await writeAudit(
            tx,
            actor,
            {
              action: 'agent_config.resolve',
              targetType: 'agent',
              targetId: agentId,
              details: {
                version: current.version,
                agentName: agent!.name,
                warnings: warnings.length,
                ...(opts.revertedFrom !== undefined && { revertedFrom: opts.revertedFrom }),
              },
            },
            clock,
          );
          return current.version;
        }
      }
      if (tooLarge) {
        activity = await recordActivity(tx, {
          agentId,
          kind: 'config_rejected',
          actorId: actor.userId,
          details: { reason: parsed.ok ? '' : parsed.errors[0]?.message },
          at: now,
        });
        await writeAudit(
          tx,
          actor,
          {
            action: 'agent_config.reject',
            targetType: 'agent',
            targetId: agentId,
            details: { bytes: Buffer.byteLength(yaml, 'utf8') },
          },
          clock,
        );
        return null;
      }
      const [{ current } = { current: null }] = await tx
        .select({ current: max(agentConfigs.version) })
        .from(agentConfigs)
        .where(eq(agentConfigs.agentId, agentId));
      const next = (current ?? 0) + 1;
      await tx.insert(agentConfigs).values({
        agentId,
        version: next,
        yaml,
        authorId: actor.userId,
        createdAt: now,
        valid: parsed.ok,
        errors: parsed.ok ? [] : parsed.errors,
      });
      // Versions consecutive per agent: everything at or below next - kept is out, except the
      // live one (after a run of rejected saves it may be older than the newest `kept`).
      await tx
        .delete(agentConfigs)
        .where(
          and(
            eq(agentConfigs.agentId, agentId),
            lte(agentConfigs.version, next - versionsKept),
            sql`${agentConfigs.version} <> coalesce((select max(live.version) from ${agentConfigs} live where live.agent_id = ${agentId} and live.valid), 0)`,
          ),
        );
      if (parsed.ok) {
        warnings = await resolveAuthorizations(tx, agentId, next, parsed.config);
        activity = await recordActivity(tx, {
          agentId,
          kind: 'config_applied',
          actorId: actor.userId,
          details: { version: next, by: actor.username },
          at: now,
        });
      } else {
        activity = await recordActivity(tx, {
          agentId,
          kind: 'config_rejected',
          actorId: actor.userId,
          details: { version: next, errors: parsed.errors.length, by: actor.username },
          at: now,
        });
      }
      await writeAudit(
        tx,
        actor,
        {
          action: !parsed.ok
            ? 'agent_config.reject'
            : opts.revertedFrom !== undefined
              ? 'agent_config.revert'
              : 'agent_config.apply',
          targetType: 'agent',
          targetId: agentId,
          details: {
            version: next,
            agentName: agent!.name,
            ...(opts.revertedFrom !== undefined && { revertedFrom: opts.revertedFrom }),
          },
        },
        clock,
      );
      return next;
    });
    deps.events.activityCommitted([activity]);
    if (!parsed.ok) throw new AgentConfigRejectedError(parsed.errors, version);
    if (created) deps.events.configChanged.emit({ agentId, version: version! }, deps.events.onListenerError);
    return { agentId, version: version!, yaml, config: parsed.config, warnings, created };
  }

  /**
   * Saves stored version `version`'s text again, as a save would (Maintainer; a new live version, its warnings, an
   * audit row `agent_config.revert`). Reverting to the live version creates nothing and re-resolves its paths
   * (`created: false`). A rejected version is refused: its text would be rejected again.
   */
  async function revert(
    actor: Actor,
    agentId: number,
    version: number,
  ): Promise<LiveAgentConfig & { created: boolean }> {
    // Authorize before reading, so a Developer is told they may not save rather than anything about the version.
    await policy.authorize(actor, 'agent:write_config', { type: 'agent', id: agentId });
    const row = await getVersionRow(agentId, version);
    if (!row.valid)
      throw new ValidationError(
        'version',
        `version ${version} was rejected (${row.errors.length} error${row.errors.length === 1 ? '' : 's'}), so it cannot be restored; pick a valid version from the history, or fix the text and save it`,
      );
    return save(actor, agentId, row.yaml, { revertedFrom: version });
  }

  return {
    save,

    revert,

    /** Whether `actor` may save (and so revert) the agent's configuration: the console offers "Revert" only then. */
    async mayWrite(actor: Actor, agentId: number): Promise<boolean> {
      return (await policy.can(actor, 'agent:write_config', { type: 'agent', id: agentId })).allowed;
    },

    /** Checks YAML without storing it (the console editor's live validation). */
    validate: (yaml: string) => deps.validator.validate(yaml),

    /** Internal (no actor): the live config for the GetConfiguration stream and the proxy. */
    live,

    /** The live config for a user (Developer+). */
    async getLive(actor: Actor, agentId: number): Promise<LiveAgentConfig | null> {
      await policy.authorize(actor, 'agent:read_config', { type: 'agent', id: agentId });
      return live(agentId);
    },

    async getVersion(actor: Actor, agentId: number, version: number): Promise<AgentConfigVersion> {
      await policy.authorize(actor, 'agent:read_config', { type: 'agent', id: agentId });
      return getVersionRow(agentId, version);
    },

    /** Newest first, without the YAML bodies. */
    async history(
      actor: Actor,
      agentId: number,
      opts: { limit?: number } = {},
    ): Promise<Omit<AgentConfigVersion, 'yaml'>[]> {
      await policy.authorize(actor, 'agent:read_config', { type: 'agent', id: agentId });
      const { yaml: _yaml, ...cols } = versionColumns;
      const rows = await db
        .select(cols)
        .from(agentConfigs)
        .leftJoin(users, eq(users.id, agentConfigs.authorId))
        .where(eq(agentConfigs.agentId, agentId))
        .orderBy(desc(agentConfigs.version))
        .limit(Math.min(Math.max(opts.limit ?? 50, 1), 500));
      return rows.map((r) => ({ ...r, errors: r.errors as ConfigError[] }));
    },

    /** Line diff between two stored versions. */
    async diff(
      actor: Actor,
      agentId: number,
      fromVersion: number,
      toVersion: number,
    ): Promise<{ from: number; to: number; lines: DiffLine[]; exact: boolean; unified: string }> {
      await policy.authorize(actor, 'agent:read_config', { type: 'agent', id: agentId });
      const [a, b] = await Promise.all([
        getVersionRow(agentId, fromVersion),
        getVersionRow(agentId, toVersion),
      ]);
      // Bounded work (line-diff.ts): past its limits the middle is replaced whole and exact is false.
      const { lines, exact } = diffLines(a.yaml, b.yaml);
      return {
        from: fromVersion,
        to: toVersion,
        lines,
        exact,
        unified: unifiedDiff(lines, `version ${fromVersion}`, `version ${toVersion}`),
      };
    },

    /** Subscribe to new live versions. Returns unsubscribe. */
    onChanged: (listener: (e: { agentId: number; version: number }) => void) =>
      deps.events.configChanged.subscribe(listener),
  };
}
export type AgentConfigService = ReturnType<typeof createAgentConfigService>;

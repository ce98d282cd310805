// Which projects and groups an agent's configuration shares it with, resolved from the paths the YAML names to
// ids once, when the configuration is saved (or explicitly re-saved). Requests only follow the stored ids: a path
// that named nothing at save time grants nothing, even after someone creates a group or project with that path,
// and a renamed target keeps its share.
import { agentAuthorizations, agentConfigs, groups, projects, type Executor } from '@mooring/db';
import type { AgentConfig } from '@mooring/modules/agent_configuration/shared/config-schema';
import { deriveAuthorizations } from '@mooring/modules/agent_configuration/shared/parse-config';
import { unusedKeyWarnings } from '@mooring/modules/agent_configuration/shared/unused-keys';
import { and, eq, inArray } from 'drizzle-orm';

/**
 * A path of the config that names no project or group (the config is saved, the entry grants nothing), or a key
 * that is accepted but not used yet (unused-keys.ts).
 */
export interface ConfigWarning {
  /** Dotted field path, `ci_access.groups[0].id`. */
  path: string;
  message: string;
}

async function idsByPath(tx: Executor, type: 'group' | 'project', paths: string[]) {
  if (paths.length === 0) return new Map<string, number>();
  const table = type === 'group' ? groups : projects;
  const rows = await tx
    .select({ id: table.id, fullPath: table.fullPath })
    .from(table)
    .where(inArray(table.fullPath, paths));
  return new Map(rows.map((r) => [r.fullPath, r.id]));
}

/**
 * Replaces the agent's authorization rows with those of `config` (version `version`), paths resolved to ids now,
 * and stores the warnings on that version (keys not used yet first, then paths naming nothing). Runs inside the
 * save's transaction.
 */
export async function resolveAuthorizations(
  tx: Executor,
  agentId: number,
  version: number,
  config: AgentConfig,
): Promise<ConfigWarning[]> {
  const derived = deriveAuthorizations(config);
  const pathsOf = (type: 'group' | 'project') => [
    ...new Set(derived.filter((d) => d.targetType === type).map((d) => d.targetPath)),
  ];
  const groupIds = await idsByPath(tx, 'group', pathsOf('group'));
  const projectIds = await idsByPath(tx, 'project', pathsOf('project'));
  const warnings: ConfigWarning[] = unusedKeyWarnings(config);
  const rows = derived.map((d) => {
    const id = (d.targetType === 'group' ? groupIds : projectIds).get(d.targetPath) ?? null;
    if (id === null) {
      warnings.push({
        path: d.field,
        message:
          `no ${d.targetType} ${d.targetPath} exists, so this entry grants nothing; check the path, or create the ` +
          `${d.targetType} and save the configuration again (saving the same text re-resolves its paths)`,
      });
    }
    return {
      agentId,
      configVersion: version,
      kind: d.kind,
      targetType: d.targetType,
      targetPath: d.targetPath,
      targetGroupId: d.targetType === 'group' ? id : null,
      targetProjectId: d.targetType === 'project' ? id : null,
      settings: d.settings,
    };
  });
  await tx.delete(agentAuthorizations).where(eq(agentAuthorizations.agentId, agentId));
  if (rows.length > 0) await tx.insert(agentAuthorizations).values(rows);
  await tx
    .update(agentConfigs)
    .set({ warnings })
    .where(and(eq(agentConfigs.agentId, agentId), eq(agentConfigs.version, version)));
  return warnings;
}

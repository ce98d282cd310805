// `allowedActions` on views: what the caller may do with each row, computed by the policy that authorizes the
// operations, so the console shows exactly the actions kas would accept (docs/decisions.md).
import { z } from 'zod';
import { ACTIONS, GLOBAL_ACTIONS, type Action } from '../services/policy';
import type { Actor } from '../services/actor';
import type { KasServices } from './services-adapter';

export const allowedActionsView = z
  .array(z.enum(ACTIONS as [Action, ...Action[]]))
  .describe('what you may do with this: the policy actions kas would allow you, e.g. agent:delete');

export const allowedGlobalActionsView = z
  .array(z.enum(GLOBAL_ACTIONS))
  .describe('what you may do outside any group or project, e.g. user:manage (administrators)');

/** Adds `allowedActions` to visible groups or projects, with one batch of role queries for the whole list. */
export async function withAllowedActions<T extends { id: number }>(
  services: KasServices,
  actor: Actor,
  type: 'group' | 'project',
  rows: readonly T[],
): Promise<(T & { allowedActions: Action[] })[]> {
  const { policy } = services;
  const ids = rows.map((r) => r.id);
  const roles =
    actor.isAdmin || actor.userId === null
      ? null
      : await policy.rolesOn(
          actor.userId,
          type === 'group' ? { groupIds: ids, projectIds: [] } : { groupIds: [], projectIds: ids },
        );
  const roleOf = (id: number) =>
    actor.isAdmin
      ? ('admin' as const)
      : ((type === 'group' ? roles?.groups : roles?.projects)?.get(id) ?? null);
  return rows.map((row) => ({ ...row, allowedActions: policy.actionsFor(actor, type, roleOf(row.id)) }));
}

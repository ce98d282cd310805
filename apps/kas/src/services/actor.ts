// Who is acting. Every service method that changes or reads protected data takes an Actor; the
// policy module decides with it, and the audit log records it.
import type { schema } from '@mooring/db';

export type PatScope = (typeof schema.patScopeEnum.enumValues)[number];
export const PAT_SCOPES = ['api', 'read_api', 'k8s_proxy'] as const satisfies readonly PatScope[];

export interface Actor {
  /** null for the system (kas itself acting, e.g. on an agent's heartbeat). */
  readonly userId: number | null;
  readonly username: string;
  readonly isAdmin: boolean;
  /** Client address for the audit log. */
  readonly address?: string | null;
  /** Set when the actor authenticated with a personal access token; absent for sessions. */
  readonly scopes?: readonly PatScope[];
}

export function systemActor(name = 'kas'): Actor {
  return { userId: null, username: `system:${name}`, isAdmin: true };
}

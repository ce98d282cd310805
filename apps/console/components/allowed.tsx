'use client';
import type { inferRouterOutputs } from '@trpc/server';
import type { ReactNode } from 'react';

import type { AppRouter } from '../lib/app-router';

type Outputs = inferRouterOutputs<AppRouter>;
/** An action of kas's policy (`agent:delete`, `group:manage_members`, …). */
export type PolicyAction = Outputs['agents']['get']['allowedActions'][number];
/** An action outside any group or project (`user:manage`, …), from session.me. */
export type GlobalPolicyAction = Outputs['session']['me']['allowedActions'][number];

/** Whether kas listed `action` for this view; while the list is loading nothing is allowed. */
export function allows<A extends string>(actions: readonly A[] | undefined, action: A): boolean {
  return actions?.includes(action) === true;
}

/**
 * Renders its children only when the view's `allowedActions` (computed by the policy that authorizes the call)
 * lists `action`, so nobody is offered a button kas would refuse.
 */
export function Allowed<A extends PolicyAction | GlobalPolicyAction>({
  actions,
  action,
  children,
  fallback = null,
}: {
  actions: readonly A[] | undefined;
  action: A;
  children: ReactNode;
  fallback?: ReactNode;
}) {
  return <>{allows(actions, action) ? children : fallback}</>;
}

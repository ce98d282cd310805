// Open terminal sessions (exec and attach upgrades) per person: each holds a shell in a container, a tunnel stream and
// an agentk goroutine for as long as it stays open, so one user (or a runaway script) may hold only so many.
import type { AuthorizedCaller } from '../shared/impersonation';
import { ProxyFailure } from './prepare-request';

/** MOORING_PROXY_USER_EXEC_SESSIONS's default. */
export const DEFAULT_EXEC_SESSIONS_PER_USER = 20;

const EXEC_PATH = /^\/api\/v1\/namespaces\/[^/]+\/pods\/[^/]+\/(exec|attach)\/?$/;

/** `kubectl exec` / `attach` and the browser terminal's path. */
export function isExecPath(urlPath: string): boolean {
  return EXEC_PATH.test(urlPath);
}

/** Sessions count against the person: a user's, or the user who started a CI job (else the job itself). */
export function sessionOwner(caller: AuthorizedCaller): string {
  if (caller.kind === 'user') return `user:${caller.user.id}`;
  return caller.user ? `user:${caller.user.id}` : `ci_job:${caller.job.id}`;
}

export interface ExecSessions {
  /** Throws a 429 naming the fix when `owner` already holds the most sessions allowed. */
  check(owner: string): void;
  /** Counts one open session until the returned release is called (at most once). */
  open(owner: string): () => void;
  count(owner: string): number;
}

export function execSessionLimiter(limit: number): ExecSessions {
  const open = new Map<string, number>();
  const count = (owner: string) => open.get(owner) ?? 0;
  const check = (owner: string) => {
    const held = count(owner);
    if (held < limit) return;
    throw new ProxyFailure(
      429,
      `you already have ${held} terminal or attach sessions open through kas, the most MOORING_PROXY_USER_EXEC_SESSIONS allows (${limit}): ` +
        'close one (exit a shell, end a kubectl exec or attach, close a terminal tab) and retry, or ask the operator to raise MOORING_PROXY_USER_EXEC_SESSIONS',
    );
  };
  return {
    check,
    count,
    open(owner) {
      check(owner);
      open.set(owner, count(owner) + 1);
      let released = false;
      return () => {
        if (released) return;
        released = true;
        const left = count(owner) - 1;
        if (left > 0) open.set(owner, left);
        else open.delete(owner);
      };
    },
  };
}

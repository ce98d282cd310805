// A token → agent map for tests and benchmarks that run without kas's database-backed verifier.
import type { AgentIdentity, VerifyAgentToken } from '../agent-auth';

/** A token → agent map for tests that run without the database-backed verifier. */
export function inTestTokenVerifier(tokens: Record<string, AgentIdentity>): VerifyAgentToken & {
  revoke(token: string): void;
} {
  const live = new Map(Object.entries(tokens));
  const verify = (token: string) => Promise.resolve(live.get(token) ?? null);
  return Object.assign(verify, { revoke: (token: string) => void live.delete(token) });
}

// FAKE authorized caller for tests and bench/: what kas's services would answer for a person allowed on an agent,
// built without a database. Real answers come from apps/kas/src/services/agent-access.ts.
import type { AuthorizedUser } from '../impersonation';

/** A user "alice" (id 1) on agent 1 of project 1 by personal access token, acting as the agent; `overrides` win. */
export function testCaller(overrides: Partial<AuthorizedUser> = {}): AuthorizedUser {
  return {
    kind: 'user',
    agentId: 1,
    configProjectId: 1,
    accessType: 'personal_access_token',
    user: { id: 1, username: 'alice' },
    accessAs: { agent: {} },
    projects: [],
    groups: [],
    ...overrides,
  };
}

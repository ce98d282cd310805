import { describe, expect, it } from 'vitest';
import { testCaller } from '../shared/testing/authorized-caller';
import { ProxyAuthError } from './credentials';
import { servicesAuthenticator, type ProxyAuthServices } from './services-authenticator';

const alice = { id: 1, username: 'alice', isAdmin: false };

/** FAKE services standing in for kas's (a database behind each): counts the session lookups. */
function countingServices() {
  const lookups: string[] = [];
  const services: ProxyAuthServices = {
    personalAccessTokens: { verify: async () => null },
    sessions: {
      resolve: async (id) => {
        lookups.push(id);
        return id === 'good' ? { user: alice } : null;
      },
      verifyCsrf: (id, token) => token === `csrf-of-${id}`,
    },
    ciJobTokens: { verify: async () => null },
    agentAccess: {
      forUser: async (user, agentId, accessType) => testCaller({ agentId, accessType, user }),
      forCiJob: async () => null,
    },
  };
  return { services, lookups };
}

const session = (cookie: string, csrfToken: string) => ({
  kind: 'session' as const,
  agentId: 7,
  cookieHeader: `mooring_session=${cookie}`,
  csrfToken,
});

describe('servicesAuthenticator', () => {
  it('rejects made-up session cookies without looking them up (their CSRF token cannot match)', async () => {
    const { services, lookups } = countingServices();
    const authenticate = servicesAuthenticator(services);
    for (let i = 0; i < 50; i++) {
      await expect(authenticate(session(`random-${i}`, 'guess'))).rejects.toThrow(ProxyAuthError);
    }
    expect(lookups).toEqual([]);
  });

  it('looks up a session whose CSRF token matches, and names an expired one', async () => {
    const { services, lookups } = countingServices();
    const authenticate = servicesAuthenticator(services);
    await expect(authenticate(session('good', 'csrf-of-good'))).resolves.toMatchObject({
      kind: 'user',
      user: alice,
      accessType: 'session_cookie',
    });
    await expect(authenticate(session('gone', 'csrf-of-gone'))).rejects.toThrow(/expired/);
    await expect(authenticate(session('good', 'wrong'))).rejects.toThrow(/CSRF token does not match/);
    expect(lookups).toEqual(['good', 'gone']);
  });
});

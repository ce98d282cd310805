import { describe, expect, it } from 'vitest';
import { ProxyAuthError, readCredential } from './credentials';
import { cachedAuthenticator } from './authenticator';
import { testCaller } from '../shared/testing/authorized-caller';

const read = (headers: Record<string, string>, query = '') =>
  readCredential(headers, Object.entries(headers).flat(), new URLSearchParams(query));

describe('readCredential', () => {
  it('reads CI job and PAT bearer tokens', () => {
    expect(read({ authorization: 'Bearer ci:12:mcj-abc' })).toEqual({
      kind: 'ci_job',
      agentId: 12,
      jobToken: 'mcj-abc',
    });
    expect(read({ authorization: 'Bearer pat:3:mpat-x:y' })).toEqual({
      kind: 'pat',
      agentId: 3,
      token: 'mpat-x:y',
    });
  });

  it('reads a session from headers or query', () => {
    expect(read({ cookie: 's=1', 'mooring-agent-id': '4', 'x-csrf-token': 'c' })).toEqual({
      kind: 'session',
      agentId: 4,
      cookieHeader: 's=1',
      csrfToken: 'c',
    });
    expect(read({ cookie: 's=1' }, 'mooring-agent-id=5&mooring-csrf-token=q')).toMatchObject({
      agentId: 5,
      csrfToken: 'q',
    });
  });

  it('names what is wrong', () => {
    expect(() => read({})).toThrow(/no credentials/);
    expect(() => read({ authorization: 'Bearer pat:abc:t' })).toThrow(/positive integer agent id, got "abc"/);
    expect(() => read({ authorization: 'Basic x' })).toThrow(/not in a form kas accepts/);
    expect(() => read({ cookie: 's=1' })).toThrow(/Mooring-Agent-Id/);
    expect(() => read({ cookie: 's=1', 'mooring-agent-id': '4' })).toThrow(/X-Csrf-Token/);
    expect(() =>
      readCredential(
        { authorization: 'Bearer pat:1:a' },
        ['Authorization', 'Bearer pat:1:a', 'authorization', 'x'],
        new URLSearchParams(),
      ),
    ).toThrow(ProxyAuthError);
  });
});

describe('cachedAuthenticator', () => {
  it('reuses answers within the TTL and asks again after it', async () => {
    let now = 0;
    let calls = 0;
    let revoked = false;
    const auth = cachedAuthenticator(
      async (c) => {
        calls++;
        if (revoked) throw new ProxyAuthError('revoked');
        return testCaller({ agentId: c.agentId });
      },
      { ttlMs: 2000, errorTtlMs: 1000, now: () => now },
    );
    const cred = { kind: 'pat' as const, agentId: 1, token: 't' };
    await auth(cred);
    await auth(cred);
    expect(calls).toBe(1);
    expect(auth.hits()).toBe(1);
    revoked = true;
    now = 2001;
    await expect(auth(cred)).rejects.toThrow('revoked');
    expect(calls).toBe(2);
  });

  it('holds at most maxEntries credentials however many distinct ones arrive', async () => {
    const auth = cachedAuthenticator(
      async () => {
        throw new ProxyAuthError('unknown token');
      },
      { ttlMs: 60_000, errorTtlMs: 60_000, maxEntries: 100, now: () => 0 },
    );
    for (let i = 0; i < 1_000; i++)
      await expect(auth({ kind: 'pat', agentId: 1, token: `random-${i}` })).rejects.toThrow();
    expect(auth.size()).toBe(100);
  });

  it('briefly remembers a rejected credential, and forgets errors that are not answers', async () => {
    let now = 0;
    let calls = 0;
    let broken = true;
    const auth = cachedAuthenticator(
      async () => {
        calls++;
        if (broken) throw new Error('database unavailable');
        throw new ProxyAuthError('unknown token');
      },
      { ttlMs: 10_000, errorTtlMs: 1_000, now: () => now },
    );
    const cred = { kind: 'pat' as const, agentId: 1, token: 'nope' };
    await expect(auth(cred)).rejects.toThrow('database unavailable');
    broken = false;
    await expect(auth(cred)).rejects.toThrow('unknown token');
    await expect(auth(cred)).rejects.toThrow('unknown token');
    expect(calls).toBe(2);
    now = 1_000;
    await expect(auth(cred)).rejects.toThrow('unknown token');
    expect(calls).toBe(3);
  });
});

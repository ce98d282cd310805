// A console session that ends while its live page is open: the page's event stream ends at once with
// 401 (the console then sends the browser to login), over real SSE against a real kas.
import { createTRPCClient, httpSubscriptionLink } from '@trpc/client';
import { EventSource } from 'eventsource';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultModules } from '../modules';
import { RestClient } from '../testing/api-client';
import { startTestKas, type TestKas } from '../testing/test-kas';
import type { AppRouter } from '../trpc/router';

interface StreamEnd {
  /** 401 is what the console turns into "go to login" (apps/console/lib/errors.ts isUnauthorized). */
  httpStatus: number | undefined;
  message: string;
}

/** live.onAgents opened with a browser's session cookie; `ended` settles with the error that ended it. */
function openLiveStream(apiUrl: string, session: RestClient) {
  const cookie = session.cookie!;
  const client = createTRPCClient<AppRouter>({
    links: [
      httpSubscriptionLink({
        url: `${apiUrl}/trpc`,
        EventSource,
        eventSourceOptions: () => ({
          fetch: (input, init) => fetch(input, { ...init, headers: { ...init?.headers, cookie } }),
        }),
      }),
    ],
  });
  let opened!: () => void;
  const started = new Promise<void>((resolve) => (opened = resolve));
  let endedWith: StreamEnd | null = null;
  const ended = new Promise<StreamEnd>((resolve) => {
    const sub = client.live.onAgents.subscribe(
      {},
      {
        onStarted: () => opened(),
        onError: (err) => {
          endedWith = { httpStatus: err.data?.httpStatus, message: err.message };
          sub.unsubscribe();
          resolve(endedWith);
        },
      },
    );
    stops.push(() => sub.unsubscribe());
  });
  return { started, ended, endedNow: () => endedWith };
}

const stops: (() => void)[] = [];

describe('live streams of a session that ends', () => {
  let tk: TestKas;
  let admin: RestClient;
  let userId: number;
  const password = 'viewer-password-1';

  beforeAll(async () => {
    tk = await startTestKas('pglite', { modules: defaultModules() });
    admin = new RestClient(tk.apiUrl);
    expect((await admin.login(tk.adminUsername, tk.adminPassword)).status).toBe(200);
    const user = await admin.post<{ id: number }>('/api/v1/users', { username: 'viewer', password });
    expect(user.status, user.text).toBe(201);
    userId = user.body.id;
  });

  afterAll(async () => {
    for (const stop of stops.splice(0)) stop();
    await tk?.dispose();
  });

  async function signIn(): Promise<RestClient> {
    const session = new RestClient(tk.apiUrl);
    expect((await session.login('viewer', password)).status).toBe(200);
    return session;
  }

  it('ends the streams of a session at logout, and only that session’s', async () => {
    const [tab, otherBrowser] = [await signIn(), await signIn()];
    const signedOut = openLiveStream(tk.apiUrl, tab);
    const stillIn = openLiveStream(tk.apiUrl, otherBrowser);
    await Promise.all([signedOut.started, stillIn.started]);

    expect((await tab.delete('/api/v1/session')).status).toBe(200);
    const end = await signedOut.ended;
    expect(end.httpStatus).toBe(401);
    expect(end.message).toMatch(/sign in again/);
    // Both streams re-authenticated on the same event; the other browser's session is still valid.
    expect(stillIn.endedNow()).toBeNull();

    expect((await otherBrowser.delete('/api/v1/session')).status).toBe(200);
    expect((await stillIn.ended).httpStatus).toBe(401);
  });

  it('ends the streams of a user an administrator disables', async () => {
    const stream = openLiveStream(tk.apiUrl, await signIn());
    await stream.started;
    const disabled = await admin.patch(`/api/v1/users/${userId}`, { disabled: true });
    expect(disabled.status, disabled.text).toBe(200);
    expect((await stream.ended).httpStatus).toBe(401);
    expect((await admin.patch(`/api/v1/users/${userId}`, { disabled: false })).status).toBe(200);
  });
});

// mooring login: asks for kas's URL, a username and a password (or takes them from flags and stdin), signs in for
// a moment with a session (POST /api/v1/session), mints a personal access token with scopes api and k8s_proxy and
// an expiry (POST /api/v1/personal_access_tokens, what the console's Tokens page calls), signs the session out and
// stores URL and token 0600 (config-store.ts). The password is never stored or printed.
import fs from 'node:fs';
import { ApiClient, KasApiError } from '../api/client';
import type { CommandFlags } from '../args';
import { configPaths, readCa, readStoredConfig, writeLogin, writePrivateFile } from '../config-store';
import type { CliContext } from '../context';
import { CliError, exitCodes, usageError } from '../errors';
import { kasUrlString, parseKasUrl } from '../kas-url';
import { printJson } from '../output';
import { Prompter } from '../prompt';

const DAY_MS = 24 * 60 * 60 * 1000;

/** The session cookie from a Set-Cookie answer, as a Cookie header value. */
export function sessionCookie(setCookie: string | string[] | undefined): string | undefined {
  const all = Array.isArray(setCookie) ? setCookie : setCookie ? [setCookie] : [];
  const found = all.find((c) => c.startsWith('mooring_session='));
  return found?.split(';')[0];
}

export async function login(ctx: CliContext, flags: CommandFlags<'login'>): Promise<void> {
  const prompter = new Prompter(ctx);
  try {
    const stored = readStoredConfig(ctx.env);
    const urlText =
      flags['kas-url'] ??
      (await prompter.ask(
        'kas URL',
        'kas URL',
        ctx.env.MOORING_KAS_URL ?? stored?.kasUrl ?? 'http://127.0.0.1:8153',
      ));
    const kasUrl = parseKasUrl(urlText, flags['kas-url'] ? '--kas-url' : 'the prompt');
    const caFile =
      flags['ca-file'] ?? (stored && kasUrlString(kasUrl) === stored.kasUrl ? stored.caFile : undefined);
    const ca = caFile ? readCa(caFile) : undefined;
    const username = flags.username ?? (await prompter.ask('Username', 'username', stored?.username));
    if (!username) throw usageError('no username given: pass --username or type one at the prompt');
    const password = flags['password-stdin']
      ? await prompter.ask('', 'password')
      : await prompter.secret('Password', 'password');
    if (!password)
      throw usageError('no password given: type it at the prompt or pipe it with --password-stdin');

    const anonymous = new ApiClient({ kasUrl, ca });
    const version = await anonymous.call('meta.version');
    let signedIn;
    try {
      signedIn = await anonymous.callRaw('session.login', { body: { username, password } });
    } catch (err) {
      if (err instanceof KasApiError && err.status === 401)
        throw new CliError(
          `kas refused the username or password for ${username}: check them and run mooring login again`,
          exitCodes.unauthenticated,
        );
      if (err instanceof KasApiError && err.status === 429)
        throw new CliError(`${err.message.replace(/^POST \S+: /, '')}`, exitCodes.failed);
      throw err;
    }
    const cookie = sessionCookie(signedIn.headers['set-cookie']);
    if (!cookie)
      throw new CliError(
        `kas at ${kasUrlString(kasUrl)} answered the login without a session cookie: is this kas?`,
      );
    const session = anonymous.with({ session: { cookie, csrfToken: signedIn.body.csrfToken } });
    const expiresAt = new Date(ctx.now().getTime() + flags['expires-in-days'] * DAY_MS);
    const made = await session.call('personalAccessTokens.create', {
      body: {
        name: `mooring CLI on ${ctx.hostname}`.slice(0, 255),
        scopes: ['api', 'k8s_proxy'],
        expiresAt: expiresAt.toISOString(),
      },
    });
    // The token is all the CLI needs from now on; the session would otherwise live 12 h unused.
    await session.call('session.logout').catch(() => undefined);

    const paths = configPaths(ctx.env);
    let storedCa: string | undefined;
    if (ca) {
      writePrivateFile(paths.ca, ca);
      storedCa = paths.ca;
    } else fs.rmSync(paths.ca, { force: true });
    writeLogin(
      ctx.env,
      {
        kasUrl: kasUrlString(kasUrl),
        ...(storedCa ? { caFile: storedCa } : {}),
        username,
        tokenId: made.token.id,
      },
      made.secret,
    );
    const summary = {
      kasUrl: kasUrlString(kasUrl),
      kasVersion: version.kasVersion,
      username: signedIn.body.user.username,
      token: made.token,
      tokenFile: paths.token,
      configFile: paths.config,
    };
    if (flags.output === 'json') printJson(ctx, summary);
    else
      ctx.stdout.write(
        `Logged in to ${summary.kasUrl} (kas ${summary.kasVersion}) as ${summary.username}.\n` +
          `Token ${made.token.id} (${made.token.scopes.join(', ')}) expires ${made.token.expiresAt}; stored in ${paths.token}.\n`,
      );
  } finally {
    prompter.close();
  }
}

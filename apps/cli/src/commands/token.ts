// mooring token create | list | revoke: the personal access token operations (docs/api.md). Revoking the token
// mooring login stored also forgets it here, so the next command says to log in.
import type { CommandFlags } from '../args';
import { forgetToken } from '../config-store';
import type { CliContext } from '../context';
import { usageError } from '../errors';
import { printJson, printTable } from '../output';
import { connect } from './connect';

const DAY_MS = 24 * 60 * 60 * 1000;

export async function tokenCreate(ctx: CliContext, flags: CommandFlags<'token create'>): Promise<void> {
  const { api } = connect(ctx, flags);
  const expiresAt = new Date(ctx.now().getTime() + flags['expires-in-days'] * DAY_MS).toISOString();
  const made = await api.call('personalAccessTokens.create', {
    body: { name: flags.name, scopes: flags.scopes, expiresAt },
  });
  if (flags.output === 'json') return printJson(ctx, made);
  ctx.stderr.write(
    `Token ${made.token.id} (${made.token.scopes.join(', ')}) expires ${made.token.expiresAt}; it is shown only now:\n`,
  );
  ctx.stdout.write(`${made.secret}\n`);
}

export async function tokenList(ctx: CliContext, flags: CommandFlags<'token list'>): Promise<void> {
  const { api, connection } = connect(ctx, flags);
  const tokens = await api.call('personalAccessTokens.list');
  if (flags.output === 'json') return printJson(ctx, tokens);
  printTable(
    ctx,
    ['ID', 'NAME', 'SCOPES', 'EXPIRES', 'STATE'],
    tokens.map((t) => [
      String(t.id),
      t.name + (t.id === connection.tokenId ? ' (this CLI)' : ''),
      t.scopes.join(','),
      t.expiresAt ?? 'never',
      t.revokedAt
        ? 'revoked'
        : t.expiresAt && Date.parse(t.expiresAt) <= ctx.now().getTime()
          ? 'expired'
          : 'active',
    ]),
    'no personal access tokens',
  );
}

export async function tokenRevoke(ctx: CliContext, flags: CommandFlags<'token revoke'>): Promise<void> {
  const { api, connection } = connect(ctx, flags);
  const tokenId = flags.ref ?? connection.tokenId;
  if (tokenId === undefined)
    throw usageError(
      'which token? pass its id (mooring token list shows them); without one, the token mooring login stored is revoked',
    );
  const revoked = await api.call('personalAccessTokens.revoke', { path: { tokenId } });
  const own = tokenId === connection.tokenId;
  if (own) forgetToken(ctx.env);
  if (flags.output === 'json') return printJson(ctx, { ...revoked, forgotten: own });
  ctx.stdout.write(
    `Revoked token ${revoked.id} (${revoked.name}).${own ? " It was this CLI's: run mooring login to use the CLI again." : ''}\n`,
  );
}

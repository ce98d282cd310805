// The API client of a logged-in command (config-store.ts says where the URL, CA and token come from).
import { ApiClient } from '../api/client';
import { loadConnection } from '../config-store';
import type { CliContext } from '../context';

export function connect(
  ctx: CliContext,
  flags: { 'kas-url'?: string | undefined; 'ca-file'?: string | undefined },
) {
  const connection = loadConnection(ctx.env, { kasUrl: flags['kas-url'], caFile: flags['ca-file'] });
  return {
    connection,
    api: new ApiClient({ kasUrl: connection.kasUrl, ca: connection.ca, token: connection.token }),
  };
}

// Where `mooring login` keeps what the other commands need: kas's URL (and the CA to trust it with) in
// <config dir>/config.json, the personal access token in <config dir>/token — both 0600 in a 0700 directory.
// <config dir> is $XDG_CONFIG_HOME/mooring, else ~/.config/mooring. MOORING_KAS_URL and MOORING_TOKEN_FILE override
// the stored URL and token file (CI jobs set them and never log in).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { CliError, exitCodes } from './errors';
import { parseKasUrl } from './kas-url';

/** Larger files are not ours: refused before reading. */
const MAX_FILE_BYTES = 64 * 1024;

const storedConfig = z.strictObject({
  kasUrl: z.string(),
  /** A CA file (PEM) copied into the config dir at login, for a kas whose certificate is its own. */
  caFile: z.string().optional(),
  username: z.string().optional(),
  /** The id of the stored token, for `mooring token revoke` without an id. */
  tokenId: z.number().int().positive().optional(),
});
export type StoredConfig = z.infer<typeof storedConfig>;

export type Env = Readonly<Record<string, string | undefined>>;

export function configDir(env: Env): string {
  const xdg = env.XDG_CONFIG_HOME;
  const base = xdg && path.isAbsolute(xdg) ? xdg : path.join(env.HOME ?? os.homedir(), '.config');
  return path.join(base, 'mooring');
}

export const configPaths = (env: Env) => {
  const dir = configDir(env);
  return {
    dir,
    config: path.join(dir, 'config.json'),
    token: path.join(dir, 'token'),
    ca: path.join(dir, 'ca.crt'),
  };
};

/** Reads a small text file we or the user wrote; undefined when it does not exist. */
export function readSmallFile(file: string, what: string, maxBytes = MAX_FILE_BYTES): string | undefined {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new CliError(`cannot read ${what} ${file}: ${(err as Error).message}`);
  }
  if (!stat.isFile()) throw new CliError(`${what} ${file} is not a file`);
  if (stat.size > maxBytes)
    throw new CliError(`${what} ${file} is ${stat.size} bytes, more than ${maxBytes}: is it the right file?`);
  return fs.readFileSync(file, 'utf8');
}

/** Writes a private file (0600) in a private directory (0700, created when missing), atomically. */
export function writePrivateFile(file: string, text: string): void {
  const dir = path.dirname(file);
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const tmp = path.join(dir, `.${path.basename(file)}.${process.pid}.tmp`);
  fs.writeFileSync(tmp, text, { mode: 0o600 });
  fs.chmodSync(tmp, 0o600); // an existing tmp keeps its mode otherwise
  fs.renameSync(tmp, file);
}

export function readStoredConfig(env: Env): StoredConfig | undefined {
  const file = configPaths(env).config;
  const text = readSmallFile(file, 'the CLI configuration');
  if (text === undefined) return undefined;
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new CliError(`${file} is not valid JSON: run mooring login again to rewrite it`);
  }
  const parsed = storedConfig.safeParse(json);
  if (!parsed.success)
    throw new CliError(
      `${file} is not a configuration mooring wrote (${parsed.error.issues[0]!.path.join('.') || 'file'}: ${parsed.error.issues[0]!.message}): run mooring login again to rewrite it`,
    );
  return parsed.data;
}

export function writeLogin(env: Env, config: StoredConfig, token: string): void {
  const paths = configPaths(env);
  writePrivateFile(paths.token, `${token}\n`);
  writePrivateFile(paths.config, `${JSON.stringify(config, null, 2)}\n`);
}

/** Forgets the stored token (after `mooring token revoke` of it); keeps the URL for the next login. */
export function forgetToken(env: Env): void {
  const paths = configPaths(env);
  fs.rmSync(paths.token, { force: true });
  const config = readStoredConfig(env);
  if (config) {
    const { tokenId: _gone, ...rest } = config;
    writePrivateFile(paths.config, `${JSON.stringify(rest, null, 2)}\n`);
  }
}

export interface Connection {
  kasUrl: URL;
  /** PEM to trust besides the system roots. */
  ca: string | undefined;
  token: string;
  tokenFile: string;
  tokenId: number | undefined;
}

export interface ConnectionFlags {
  kasUrl?: string | undefined;
  caFile?: string | undefined;
}

/** The kas URL and CA a command talks to: flag, then MOORING_KAS_URL, then what login stored. */
export function resolveKas(
  env: Env,
  flags: ConnectionFlags,
): { kasUrl: URL | undefined; ca: string | undefined } {
  const stored = readStoredConfig(env);
  const raw = flags.kasUrl ?? env.MOORING_KAS_URL ?? stored?.kasUrl;
  const kasUrl =
    raw === undefined
      ? undefined
      : parseKasUrl(
          raw,
          flags.kasUrl ? '--kas-url' : env.MOORING_KAS_URL ? 'MOORING_KAS_URL' : configPaths(env).config,
        );
  const caFile = flags.caFile ?? env.MOORING_CA_FILE ?? stored?.caFile;
  const ca = caFile === undefined ? undefined : readCa(caFile);
  return { kasUrl, ca };
}

export function readCa(file: string): string {
  const pem = readSmallFile(file, 'the CA file');
  if (pem === undefined)
    throw new CliError(
      `the CA file ${file} does not exist: pass --ca-file with kas's CA (PEM)`,
      exitCodes.usage,
    );
  if (!pem.includes('-----BEGIN CERTIFICATE-----'))
    throw new CliError(
      `the CA file ${file} holds no PEM certificate (-----BEGIN CERTIFICATE-----)`,
      exitCodes.usage,
    );
  return pem;
}

/** Everything a logged-in command needs, or an error that says to log in. */
export function loadConnection(env: Env, flags: ConnectionFlags): Connection {
  const { kasUrl, ca } = resolveKas(env, flags);
  const tokenFile = env.MOORING_TOKEN_FILE ?? configPaths(env).token;
  const token = readSmallFile(tokenFile, 'the token file')?.trim();
  if (!kasUrl || !token)
    throw new CliError(
      !kasUrl
        ? 'not logged in: run mooring login (or set MOORING_KAS_URL and MOORING_TOKEN_FILE)'
        : `no token in ${tokenFile}: run mooring login${env.MOORING_TOKEN_FILE ? ' or point MOORING_TOKEN_FILE at a file holding a personal access token' : ''}`,
      exitCodes.unauthenticated,
    );
  const stored = env.MOORING_TOKEN_FILE ? undefined : readStoredConfig(env);
  return { kasUrl, ca, token, tokenFile, tokenId: stored?.tokenId };
}

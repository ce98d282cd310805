// agentk's settings table: GitLab-style flags and the few environment variables, each with its zod schema, default
// and description; modules add theirs (agentModuleSettings in modules.ts). `agentk --help` prints it; docs/agentk.md lists exactly these (flags.test.ts checks). Errors name
// the flag or variable and what was expected, all at once.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import {
  collectSettings,
  parseSettings,
  settingsHelp,
  type SettingsContribution,
  type SettingsTable,
  type SettingValues,
} from '@mooring/modules/shared/settings';
import { z } from 'zod';
import { agentModuleSettings } from './modules';

/** Receptive mode (docs/agentk.md, "Receptive mode"): kas dials agentk's listener instead of agentk dialing kas. */
export interface ReceptiveFlags {
  listenAddress: string;
  certFile: string;
  keyFile: string;
  /** Exactly one of the two is set. */
  jwtPublicKeyFile: string | null;
  clientCaFile: string | null;
}

export interface AgentkFlags {
  /** null in receptive mode (kas dials agentk). */
  kasAddress: string | null;
  receptive: ReceptiveFlags | null;
  token: string;
  caCertFile: string | null;
  kasTlsServerName: string | null;
  kasHeaders: Array<[string, string]>;
  kubeconfig: string | null;
  podName: string;
  podNamespace: string;
  logLevel: string;
  /** The modules' flags (modules.ts's agentModuleSettings), by key; each module reads its own with settingValues. */
  moduleSettings: Record<string, unknown>;
}

export class FlagError extends Error {
  override readonly name = 'FlagError';
}

const HEADER = /^([!#$%&'*+.^_`|~0-9A-Za-z-]+):\s*(.*)$/;
const FORBIDDEN_HEADERS = new Set(['authorization', 'content-type', 'te', 'user-agent', 'grpc-timeout']);

const header = z.string().transform((value, ctx): [string, string] => {
  const match = HEADER.exec(value);
  if (!match) {
    ctx.addIssue({ code: 'custom', message: 'expected "Name: value", e.g. "Cookie: canary=1"' });
    return z.NEVER;
  }
  const name = match[1]!.toLowerCase();
  if (FORBIDDEN_HEADERS.has(name)) {
    ctx.addIssue({ code: 'custom', message: `${match[1]} cannot be set (agentk sets it itself)` });
    return z.NEVER;
  }
  return [name, match[2]!];
});

const podField = (env: string, example: string) =>
  z
    .string({
      error: `is required: in a cluster the downward API sets it; outside one any name will do, e.g. ${env}=${example}`,
    })
    .trim()
    .min(1, `is empty: give a name, e.g. ${env}=${example}`);

/** A flag naming a PEM file (certificates, keys, CAs). */
const pemFilePath = z.string().min(1, 'expected a PEM file path').optional();

export const agentkSettings = {
  kasAddress: {
    flag: '--kas-address',
    schema: z
      .string()
      .refine((v) => /^grpcs?:\/\/[^/\s]+$/.test(v), {
        message: 'expected grpc://host:port or grpcs://host:port (no path), e.g. grpcs://127.0.0.1:8150',
      })
      .optional(),
    // Required unless receptive mode is on (checked in parseAgentkFlags).
    defaultText: 'required',
    description:
      "kas's agent API: grpcs://host:port (TLS) or grpc://host:port (plain h2c, only against MOORING_AGENT_TLS=insecure); not in receptive mode",
  },
  tokenFile: {
    flag: '--token-file',
    schema: z.string().min(1, 'expected a file path').optional(),
    description: 'file holding the agent token (mgt-…); give it or MOORING_AGENT_TOKEN, exactly one',
  },
  token: {
    env: 'MOORING_AGENT_TOKEN',
    secret: true,
    schema: z.string().trim().optional(),
    description:
      'the agent token instead of --token-file; agentk removes it from its environment after reading it',
  },
  caCertFile: {
    flag: '--ca-cert-file',
    schema: pemFilePath,
    defaultText: 'system roots',
    description:
      "PEM CA bundle to trust for kas (kas's self-signed CA is <MOORING_DATA_DIR>/tls/agent-api/ca.crt)",
  },
  kasTlsServerName: {
    flag: '--kas-tls-server-name',
    schema: z.string().min(1, 'expected a host name').optional(),
    defaultText: 'the --kas-address host',
    description: 'TLS server name (SNI and certificate check) when it differs from the host in --kas-address',
  },
  kasHeaders: {
    flag: '--kas-header',
    repeatable: true,
    // Headers may carry credentials (cookies): errors name the header, never echo it.
    secret: true,
    schema: z.array(header).default([]),
    description:
      'extra header on every call, "Name: value"; repeatable. Authorization and gRPC headers cannot be set',
  },
  kubeconfig: {
    flag: '--kubeconfig',
    schema: z.string().min(1, 'expected a kubeconfig file path').optional(),
    defaultText: 'in-cluster service account',
    description:
      "kubeconfig of the identity agentk uses in its cluster; without it, the pod's service account",
  },
  logLevel: {
    flag: '--log-level',
    schema: z
      .enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal'], {
        error: 'expected one of trace, debug, info, warn, error, fatal',
      })
      .default('info'),
    description: "trace … fatal; the agent configuration's observability.logging.level overrides it live",
  },
  receptiveListenAddress: {
    flag: '--receptive-listen-address',
    schema: z
      .string()
      .regex(/^(\[[^\]]+\]|[^:\s]*):\d{1,5}$/, 'expected host:port or :port, e.g. :8082')
      .optional(),
    defaultText: ':8082 in receptive mode',
    description:
      'receptive mode: where agentk listens for kas to dial it (TLS); any --receptive-* flag turns it on',
  },
  receptiveCertFile: {
    flag: '--receptive-cert-file',
    schema: pemFilePath,
    description:
      "receptive mode: PEM certificate (chain) of agentk's listener; kas checks it with the endpoint's CA",
  },
  receptiveKeyFile: {
    flag: '--receptive-key-file',
    schema: pemFilePath,
    description: 'receptive mode: PEM private key of --receptive-cert-file',
  },
  receptiveJwtPublicKeyFile: {
    flag: '--receptive-jwt-public-key-file',
    schema: pemFilePath,
    description:
      "receptive mode: the endpoint's Ed25519 public key (PEM, shown by the console); kas proves itself with a JWT",
  },
  receptiveClientCaFile: {
    flag: '--receptive-client-ca-file',
    schema: pemFilePath,
    description: 'receptive mode: PEM CA of the client certificates kas presents (mTLS instead of a JWT)',
  },
  podName: {
    env: 'POD_NAME',
    schema: podField('POD_NAME', 'agentk-1'),
    description: "this pod's name, reported to kas (the downward API fills it in a cluster)",
  },
  podNamespace: {
    env: 'POD_NAMESPACE',
    schema: podField('POD_NAMESPACE', 'default'),
    description: "this pod's namespace, reported to kas (the downward API fills it in a cluster)",
  },
  commit: {
    env: 'MOORING_AGENTK_COMMIT',
    schema: z
      .string()
      .optional()
      .transform((value) => value?.trim() || 'unknown'),
    description: 'the commit agentk reports to kas; set by release builds',
  },
} as const satisfies SettingsTable;

/** agentk's table: its own settings, then each module's contribution. */
export function agentkSettingsTable(
  modules: readonly SettingsContribution[] = agentModuleSettings,
): SettingsTable {
  return collectSettings([{ name: 'agentk', settings: agentkSettings }, ...modules]);
}

/** `agentk --help`. */
export function agentkHelp(modules: readonly SettingsContribution[] = agentModuleSettings): string {
  return settingsHelp(
    agentkSettingsTable(modules),
    'Usage: agentk --kas-address grpcs://host:port --token-file <file> [--flag value]...\ndocs/agentk.md explains every setting.',
  );
}

/**
 * `cwd` resolves relative file flags (pnpm runs scripts in the package dir; main.ts passes INIT_CWD). `modules`
 * contribute their settings; their values are in the result under their keys.
 */
export function parseAgentkFlags(
  argv: readonly string[],
  env: NodeJS.ProcessEnv,
  cwd = process.cwd(),
  modules: readonly SettingsContribution[] = agentModuleSettings,
): AgentkFlags {
  const parsed = parseSettings(agentkSettingsTable(modules), { env, argv }, 'agentk');
  if (!parsed.ok) throw new FlagError(`invalid agentk flags:\n  ${parsed.problems.join('\n  ')}`);
  const values = parsed.values as SettingValues<typeof agentkSettings>;
  const file = (p: string | undefined) => (p === undefined ? null : resolve(cwd, p));
  const tokenFile = file(values.tokenFile);
  const problems: string[] = [];
  let token = values.token ?? '';
  if (tokenFile && values.token)
    problems.push('give the agent token either with --token-file or MOORING_AGENT_TOKEN, not both');
  else if (tokenFile) {
    try {
      token = readFileSync(tokenFile, 'utf8').trim();
    } catch (error) {
      problems.push(`--token-file: cannot read ${tokenFile}: ${(error as Error).message}`);
    }
  } else if (!values.token)
    problems.push('the agent token is missing: pass --token-file <file> or set MOORING_AGENT_TOKEN');
  if (problems.length === 0 && !/^\S+$/.test(token))
    problems.push('the agent token is empty or contains whitespace');
  const receptive = receptiveFlags(values, file, problems);
  if (receptive && values.kasAddress)
    problems.push(
      'give --kas-address (agentk dials kas) or the --receptive-* flags (kas dials agentk), not both',
    );
  else if (!receptive && !values.kasAddress)
    problems.push(
      '--kas-address: is required: the kas agent API URL, e.g. grpcs://kas.example.com:8150 (or the --receptive-* flags, for kas to dial agentk)',
    );
  if (values.caCertFile && values.kasAddress?.startsWith('grpc://'))
    problems.push('--ca-cert-file needs a grpcs:// --kas-address (grpc:// is plain text)');
  if (problems.length > 0) throw new FlagError(`invalid agentk flags:\n  ${problems.join('\n  ')}`);
  // Module contributions stay under their keys (a module reads them with settingValues).
  const moduleSettings = Object.fromEntries(
    Object.entries(values).filter(([key]) => !(key in agentkSettings)),
  );
  return {
    kasAddress: values.kasAddress ?? null,
    receptive,
    token,
    caCertFile: file(values.caCertFile),
    kasTlsServerName: values.kasTlsServerName ?? null,
    kasHeaders: values.kasHeaders,
    kubeconfig: file(values.kubeconfig),
    podName: values.podName,
    podNamespace: values.podNamespace,
    logLevel: values.logLevel,
    moduleSettings,
  };
}

/** Receptive mode is on when any --receptive-* flag is given; then it needs a certificate, its key and one auth. */
function receptiveFlags(
  values: SettingValues<typeof agentkSettings>,
  file: (p: string | undefined) => string | null,
  problems: string[],
): ReceptiveFlags | null {
  const given = [
    values.receptiveListenAddress,
    values.receptiveCertFile,
    values.receptiveKeyFile,
    values.receptiveJwtPublicKeyFile,
    values.receptiveClientCaFile,
  ].some((v) => v !== undefined);
  if (!given) return null;
  const before = problems.length;
  if (!values.receptiveCertFile)
    problems.push("--receptive-cert-file: is required in receptive mode: the listener's PEM certificate");
  if (!values.receptiveKeyFile)
    problems.push(
      '--receptive-key-file: is required in receptive mode: the PEM key of --receptive-cert-file',
    );
  if (!values.receptiveJwtPublicKeyFile === !values.receptiveClientCaFile)
    problems.push(
      'receptive mode needs exactly one of --receptive-jwt-public-key-file (kas sends a JWT) or --receptive-client-ca-file (kas presents a client certificate)',
    );
  if (problems.length > before) return null;
  return {
    listenAddress: values.receptiveListenAddress ?? ':8082',
    certFile: file(values.receptiveCertFile)!,
    keyFile: file(values.receptiveKeyFile)!,
    jwtPublicKeyFile: file(values.receptiveJwtPublicKeyFile),
    clientCaFile: file(values.receptiveClientCaFile),
  };
}

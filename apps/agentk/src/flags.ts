// agentk's command line (GitLab-style flags), validated with zod. Errors name the flag and what was expected.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { z } from 'zod';

export interface AgentkFlags {
  kasAddress: string;
  token: string;
  caCertFile: string | null;
  kasTlsServerName: string | null;
  kasHeaders: Array<[string, string]>;
  kubeconfig: string | null;
  podName: string;
  podNamespace: string;
  observabilityListenAddress: { host: string; port: number } | null;
  maxStreams: number;
  logLevel: string;
}

export class FlagError extends Error {
  override readonly name = 'FlagError';
}

const HEADER = /^([!#$%&'*+.^_`|~0-9A-Za-z-]+):\s*(.*)$/;
const FORBIDDEN_HEADERS = new Set(['authorization', 'content-type', 'te', 'user-agent', 'grpc-timeout']);

const schema = z.object({
  'kas-address': z
    .string({ error: 'is required: the kas agent API URL, e.g. grpcs://kas.example.com:8150' })
    .refine((v) => /^grpcs?:\/\/[^/\s]+$/.test(v), {
      message: 'expected grpc://host:port or grpcs://host:port (no path), e.g. grpcs://127.0.0.1:8150',
    }),
  'token-file': z.string().min(1, 'expected a file path').optional(),
  'ca-cert-file': z.string().min(1, 'expected a PEM file path').optional(),
  'kas-tls-server-name': z.string().min(1, 'expected a host name').optional(),
  'kas-header': z
    .array(
      z
        .string()
        .refine((v) => HEADER.test(v), { message: 'expected "Name: value", e.g. "Cookie: canary=1"' }),
    )
    .default([]),
  kubeconfig: z.string().min(1, 'expected a kubeconfig file path').optional(),
  'observability-listen-address': z
    .string()
    .refine((v) => /^(\[[0-9a-fA-F:]+\]|[^:\s]*):\d{1,5}$/.test(v) && Number(v.split(':').pop()) <= 65535, {
      message: 'expected host:port (port 0 picks a free port), e.g. 127.0.0.1:8080 or :8080',
    })
    .optional(),
  'max-streams': z.coerce
    .number({ error: 'expected a whole number 2-10000' })
    .int('expected a whole number 2-10000')
    .min(2, 'expected at least 2 (the pool keeps 2 idle tunnels)')
    .max(10_000, 'expected at most 10000')
    .default(500),
  'log-level': z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal']).default('info'),
});

/** `cwd` resolves relative file flags (pnpm runs scripts in the package dir; main.ts passes INIT_CWD). */
export function parseAgentkFlags(argv: string[], env: NodeJS.ProcessEnv, cwd = process.cwd()): AgentkFlags {
  const file = (p: string | undefined) => (p === undefined ? undefined : resolve(cwd, p));
  let values: Record<string, unknown>;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        'kas-address': { type: 'string' },
        'token-file': { type: 'string' },
        'ca-cert-file': { type: 'string' },
        'kas-tls-server-name': { type: 'string' },
        'kas-header': { type: 'string', multiple: true },
        kubeconfig: { type: 'string' },
        'observability-listen-address': { type: 'string' },
        'max-streams': { type: 'string' },
        'log-level': { type: 'string' },
      },
    }));
  } catch (error) {
    throw new FlagError(
      `${(error as Error).message}; run agentk with --kas-address and --token-file (see docs/agentk.md)`,
    );
  }
  const parsed = schema.safeParse(values);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `--${i.path.join('.')}: ${i.message}`);
    throw new FlagError(`invalid agentk flags:\n  ${problems.join('\n  ')}`);
  }
  const f = {
    ...parsed.data,
    'token-file': file(parsed.data['token-file']),
    'ca-cert-file': file(parsed.data['ca-cert-file']),
    kubeconfig: file(parsed.data.kubeconfig),
  };
  const envToken = env.MOORING_AGENT_TOKEN;
  if (f['token-file'] && envToken)
    throw new FlagError('give the agent token either with --token-file or MOORING_AGENT_TOKEN, not both');
  let token: string;
  if (f['token-file']) {
    try {
      token = readFileSync(f['token-file'], 'utf8').trim();
    } catch (error) {
      throw new FlagError(`--token-file: cannot read ${f['token-file']}: ${(error as Error).message}`);
    }
  } else if (envToken) {
    token = envToken.trim();
  } else {
    throw new FlagError('the agent token is missing: pass --token-file <file> or set MOORING_AGENT_TOKEN');
  }
  if (!/^\S+$/.test(token)) throw new FlagError('the agent token is empty or contains whitespace');
  const podName = env.POD_NAME?.trim();
  const podNamespace = env.POD_NAMESPACE?.trim();
  if (!podName || !podNamespace)
    throw new FlagError(
      'POD_NAME and POD_NAMESPACE must be set (in a cluster from the downward API; outside one, any names, e.g. POD_NAME=agentk-1 POD_NAMESPACE=default)',
    );
  if (f['ca-cert-file'] && f['kas-address'].startsWith('grpc://'))
    throw new FlagError('--ca-cert-file needs a grpcs:// --kas-address (grpc:// is plain text)');
  const kasHeaders = f['kas-header'].map((h): [string, string] => {
    const [, name, value] = HEADER.exec(h)!;
    if (FORBIDDEN_HEADERS.has(name!.toLowerCase()))
      throw new FlagError(`--kas-header: ${name} cannot be set (agentk sets it itself)`);
    return [name!.toLowerCase(), value!];
  });
  let observability: AgentkFlags['observabilityListenAddress'] = null;
  if (f['observability-listen-address']) {
    const address = f['observability-listen-address'];
    const cut = address.lastIndexOf(':');
    const host = address.slice(0, cut).replace(/^\[|\]$/g, '');
    observability = { host: host || '0.0.0.0', port: Number(address.slice(cut + 1)) };
  }
  return {
    kasAddress: f['kas-address'],
    token,
    caCertFile: f['ca-cert-file'] ?? null,
    kasTlsServerName: f['kas-tls-server-name'] ?? null,
    kasHeaders,
    kubeconfig: f.kubeconfig ?? null,
    podName,
    podNamespace,
    observabilityListenAddress: observability,
    maxStreams: f['max-streams'],
    logLevel: f['log-level'],
  };
}

// The command line: which command, its flags (node's parseArgs, strict: an unknown flag is an error naming it) and
// their values checked with zod. Parsing knows nothing about kas; main.ts runs what it returns.
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { z } from 'zod';
import { usageError } from './errors';

type FlagSpec = NonNullable<ParseArgsConfig['options']>;

const common: FlagSpec = {
  output: { type: 'string', short: 'o' },
  'kas-url': { type: 'string' },
  'ca-file': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
};

const days = (flag: string, max: number) =>
  z
    .string()
    .regex(/^\d{1,4}$/, `${flag} must be a whole number of days`)
    .transform(Number)
    .refine((n) => n >= 1 && n <= max, `${flag} must be between 1 and ${max} days`);

const outputFormat = z.enum(['text', 'json'], { error: () => '--output must be text or json' });

const commonValues = {
  output: outputFormat.default('text'),
  'kas-url': z.string().optional(),
  'ca-file': z.string().optional(),
};

/** `<project path>/<agent name>`: the project's full path (groups/…/project), then a DNS label. */
export const agentRef = z
  .string()
  .max(512, 'is longer than 512 characters')
  .regex(
    /^[a-z0-9][a-z0-9._-]*(\/[a-z0-9][a-z0-9._-]*)+$/i,
    'must be <project path>/<agent name>, e.g. platform/prod/my-cluster',
  )
  .transform((ref) => {
    const slash = ref.lastIndexOf('/');
    return { projectPath: ref.slice(0, slash), agentName: ref.slice(slash + 1) };
  });

const scopeList = z
  .string()
  .transform((s) =>
    s
      .split(',')
      .map((x) => x.trim())
      .filter(Boolean),
  )
  .pipe(
    z
      .array(
        z.enum(['api', 'read_api', 'k8s_proxy'], {
          error: () => '--scopes takes api, read_api and k8s_proxy, comma separated',
        }),
      )
      .min(1, '--scopes needs at least one scope'),
  );

const positiveId = (what: string) =>
  z
    .string()
    .regex(/^\d{1,10}$/, `${what} must be a number (mooring token list shows them)`)
    .transform(Number)
    .refine((n) => n > 0 && n <= 2147483647, `${what} must be a positive id`);

interface CommandSpec<T extends z.ZodType> {
  usage: string;
  summary: string;
  flags: FlagSpec;
  positionals: number;
  schema: T;
}

function command<T extends z.ZodType>(spec: CommandSpec<T>) {
  return spec;
}

export const commands = {
  login: command({
    usage:
      'mooring login [--kas-url URL] [--ca-file FILE] [--username NAME] [--password-stdin] [--expires-in-days N]',
    summary:
      'log in to kas and store a personal access token (scopes api, k8s_proxy) under ~/.config/mooring',
    flags: {
      username: { type: 'string', short: 'u' },
      'password-stdin': { type: 'boolean' },
      'expires-in-days': { type: 'string' },
    },
    positionals: 0,
    schema: z.object({
      ...commonValues,
      username: z.string().max(256, '--username is longer than 256 characters').optional(),
      'password-stdin': z.boolean().default(false),
      'expires-in-days': days('--expires-in-days', 365).default(30),
    }),
  }),
  'agents list': command({
    usage: 'mooring agents list [--project PATH]',
    summary: 'the agents you may see, with their project',
    flags: { project: { type: 'string' } },
    positionals: 0,
    schema: z.object({ ...commonValues, project: z.string().max(512).optional() }),
  }),
  'agent register': command({
    usage:
      'mooring agent register <project path>/<agent name> --image-repository REPO [--kas-address grpcs://HOST:PORT]',
    summary: 'register the agent if needed, create a token (printed once) and print the helm install line',
    flags: {
      'image-repository': { type: 'string' },
      'kas-address': { type: 'string' },
      'token-name': { type: 'string' },
    },
    positionals: 1,
    schema: z.object({
      ...commonValues,
      ref: agentRef,
      'image-repository': z
        .string({
          error: () =>
            '--image-repository is required: where you pushed the agentk image (docs/images.md), e.g. registry.example.com/mooring/agentk',
        })
        .regex(
          /^[a-z0-9][a-z0-9._\-/:]*$/,
          '--image-repository must be an image name without a tag, e.g. registry.example.com/mooring/agentk',
        )
        .max(512),
      'kas-address': z
        .string()
        .regex(/^grpcs?:\/\/[^\s/]+$/, '--kas-address must be grpc://host:port or grpcs://host:port')
        .optional(),
      'token-name': z.string().min(1).max(255).optional(),
    }),
  }),
  kubeconfig: command({
    usage:
      'mooring kubeconfig [--kubeconfig FILE] [--use-context] [--expires-in-days N] [--output text|json|yaml]',
    summary:
      'merge a context per agent you may use into ~/.kube/config (or $KUBECONFIG); --output yaml prints it instead',
    flags: {
      kubeconfig: { type: 'string' },
      'use-context': { type: 'boolean' },
      'expires-in-days': { type: 'string' },
    },
    positionals: 0,
    schema: z.object({
      ...commonValues,
      output: z
        .enum(['text', 'json', 'yaml'], { error: () => '--output must be text, json or yaml' })
        .default('text'),
      kubeconfig: z.string().optional(),
      'use-context': z.boolean().default(false),
      'expires-in-days': days('--expires-in-days', 365).default(30),
    }),
  }),
  'token create': command({
    usage: 'mooring token create --name NAME [--scopes api,read_api,k8s_proxy] [--expires-in-days N]',
    summary: 'create a personal access token (printed once)',
    flags: { name: { type: 'string' }, scopes: { type: 'string' }, 'expires-in-days': { type: 'string' } },
    positionals: 0,
    schema: z.object({
      ...commonValues,
      name: z
        .string({ error: () => '--name is required: what the token is for, e.g. --name ci' })
        .min(1)
        .max(255),
      scopes: scopeList.default(['api']),
      'expires-in-days': days('--expires-in-days', 3650).default(30),
    }),
  }),
  'token list': command({
    usage: 'mooring token list',
    summary: 'your personal access tokens',
    flags: {},
    positionals: 0,
    schema: z.object(commonValues),
  }),
  'token revoke': command({
    usage: 'mooring token revoke [ID]',
    summary: 'revoke a personal access token; without ID the one mooring login stored (and forget it)',
    flags: {},
    positionals: 1,
    schema: z.object({ ...commonValues, ref: positiveId('the token id').optional() }),
  }),
} as const;

export type CommandName = keyof typeof commands;
export type CommandFlags<N extends CommandName> = z.output<(typeof commands)[N]['schema']>;
export type Parsed =
  | { [N in CommandName]: { command: N; flags: CommandFlags<N> } }[CommandName]
  | { command: 'help'; topic?: string }
  | { command: 'version' };

export function helpText(): string {
  const rows = Object.values(commands).map((c) => `  ${c.usage}\n      ${c.summary}`);
  return [
    'mooring: the Mooring command line (docs/cli.md)',
    '',
    'Commands:',
    ...rows,
    '',
    "Every command takes --output json, --kas-url URL (or MOORING_KAS_URL) and --ca-file FILE (kas's CA, PEM).",
    'MOORING_TOKEN_FILE names a file holding a personal access token instead of the one mooring login stored.',
    'Exit codes: 0 done, 1 kas refused or failed, 2 bad command line, 3 not logged in (401), 4 kas unreachable.',
  ].join('\n');
}

const MAX_ARGS = 64;

export function parseCommandLine(argv: readonly string[]): Parsed {
  if (argv.length > MAX_ARGS) throw usageError(`too many arguments (${argv.length}; at most ${MAX_ARGS})`);
  const [first, second] = argv;
  if (first === undefined || first === 'help' || first === '--help' || first === '-h')
    return { command: 'help' };
  if (first === 'version' || first === '--version') return { command: 'version' };
  const two = `${first} ${second ?? ''}` as CommandName;
  const name: CommandName | undefined =
    two in commands ? two : first in commands ? (first as CommandName) : undefined;
  if (!name) {
    const group = Object.keys(commands).filter((c) => c.startsWith(`${first} `));
    throw usageError(
      group.length
        ? `mooring ${first} needs a subcommand: ${group.map((g) => g.split(' ')[1]).join(', ')}`
        : `unknown command ${JSON.stringify(first)}; run mooring help for the list`,
    );
  }
  const spec = commands[name];
  const rest = argv.slice(name.split(' ').length);
  let values: Record<string, unknown>;
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({
      args: [...rest],
      options: { ...common, ...spec.flags },
      allowPositionals: true,
      strict: true,
    }));
  } catch (err) {
    throw usageError(
      `${(err as Error).message.replace(/\. To specify a positional.*$/s, '')}; usage: ${spec.usage}`,
    );
  }
  if (values.help) return { command: 'help', topic: name };
  if (positionals.length > spec.positionals)
    throw usageError(
      `unexpected argument ${JSON.stringify(positionals[spec.positionals])}; usage: ${spec.usage}`,
    );
  if (spec.positionals === 1 && name === 'agent register' && positionals.length === 0)
    throw usageError(`mooring agent register needs <project path>/<agent name>; usage: ${spec.usage}`);
  const { help: _help, ...flagValues } = values;
  const input = { ...flagValues, ...(positionals[0] !== undefined ? { ref: positionals[0] } : {}) };
  const parsed = spec.schema.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const message = issue.message.startsWith('--')
      ? issue.message
      : `${issue.path[0] === 'ref' ? 'the argument' : `--${String(issue.path[0])}`} ${issue.message}`;
    throw usageError(`${message}; usage: ${spec.usage}`);
  }
  return { command: name, flags: parsed.data } as Parsed;
}

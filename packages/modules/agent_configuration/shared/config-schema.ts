// The agent configuration: what an agent's YAML may contain. The same schema
// validates saves in kas, feeds the console editor (agentConfigJsonSchema) and types agentk's view.
// Objects are strict so a misspelt key is reported instead of silently ignored.
import { z } from 'zod';

/** Stored configs are capped so one agent cannot bloat the database or the config stream. */
export const MAX_AGENT_CONFIG_BYTES = 128 * 1024;
/**
 * Checked on the YAML before any schema work, so the work per document is bounded by construction:
 * nesting deeper than this many collections is refused (the deepest valid path,
 * ci_access.projects[].access_as.impersonate.extra[].val[], is 7 deep).
 */
export const MAX_CONFIG_DEPTH = 16;
/** Mapping pairs plus list items in the whole document, counted before any schema work. */
export const MAX_CONFIG_ENTRIES = 10_000;
/** A rejected document reports at most this many errors (and how many more there were). */
export const MAX_REPORTED_CONFIG_ERRORS = 100;
/** Every list in the config holds at most this many entries. */
export const MAX_CONFIG_LIST_ENTRIES = 500;

const list = <T extends z.ZodType>(item: T, what: string) =>
  z
    .array(item)
    .max(
      MAX_CONFIG_LIST_ENTRIES,
      `at most ${MAX_CONFIG_LIST_ENTRIES} ${what} are allowed; split the list or use a group`,
    );

const pathSegment = '[A-Za-z0-9_][A-Za-z0-9_.-]*';
/** A project or group full path as shown in the console: `group/sub/project`. */
export const namespacePathSchema = z
  .string()
  .min(1, 'must not be empty')
  .max(255, 'must be at most 255 characters')
  .regex(
    new RegExp(`^${pathSegment}(/${pathSegment})*$`),
    'must be a full path like group/project (letters, digits, _ . -; segments separated by /)',
  );

const dnsLabel = z
  .string()
  .max(63, 'must be at most 63 characters')
  .regex(
    /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/,
    'must be a DNS label: lowercase letters, digits and -, like my-namespace',
  );

const impersonateSchema = z.strictObject({
  username: z.string().min(1, 'must name the user to impersonate'),
  uid: z.string().optional(),
  groups: list(z.string().min(1), 'groups').optional(),
  extra: list(
    z.strictObject({ key: z.string().min(1), val: list(z.string(), 'values') }),
    'extra entries',
  ).optional(),
});

const empty = z.strictObject({});

/** Exactly one of its keys must be set: `{agent: {}}`, `{impersonate: {...}}` or `{ci_job: {}}`. */
export const ciAccessAsSchema = z
  .strictObject({
    agent: empty.optional(),
    impersonate: impersonateSchema.optional(),
    ci_job: empty.optional(),
  })
  .refine((v) => Object.keys(v).length === 1, 'set exactly one of agent, impersonate or ci_job');

export const userAccessAsSchema = z
  .strictObject({ agent: empty.optional(), user: empty.optional() })
  .refine((v) => Object.keys(v).length === 1, 'set exactly one of agent or user');

const environmentSchema = z
  .string()
  .min(1, 'must not be empty')
  .max(255)
  .regex(/^[A-Za-z0-9_.*/ -]+$/, 'must be an environment name or pattern like prod or review/*');

const ciAccessEntry = z.strictObject({
  id: namespacePathSchema,
  default_namespace: dnsLabel.optional(),
  environments: list(environmentSchema, 'environments').optional(),
  access_as: ciAccessAsSchema.optional(),
});

export const ciAccessSchema = z.strictObject({
  projects: list(ciAccessEntry, 'projects').optional(),
  groups: list(ciAccessEntry, 'groups').optional(),
});

/** `default_namespace`: the namespace of this agent's context in kubeconfigs made for the entry's members. */
const userAccessEntry = z.strictObject({ id: namespacePathSchema, default_namespace: dnsLabel.optional() });

export const userAccessSchema = z.strictObject({
  access_as: userAccessAsSchema,
  projects: list(userAccessEntry, 'projects').optional(),
  groups: list(userAccessEntry, 'groups').optional(),
});

const logLevel = z.enum(['debug', 'info', 'warn', 'error']);

export const observabilitySchema = z.strictObject({
  logging: z.strictObject({ level: logLevel.optional(), grpc_level: logLevel.optional() }).optional(),
});

/** `object_watch.max_objects_per_resource`'s default: a resource with more objects reports too_many instead. */
export const DEFAULT_MAX_OBJECTS_PER_RESOURCE = 20_000;

export const objectWatchSchema = z.strictObject({
  /** Absent: the default set (object_watch/shared/resources.ts). Secrets are refused. */
  resources: list(
    z
      .string()
      .regex(
        /^[a-z0-9][a-z0-9.-]*(\/[a-z0-9][a-z0-9.-]*){0,2}$/,
        'must be a resource like pods, deployments or apps/v1/deployments',
      )
      .refine(
        (name) => name.split('/').at(-1) !== 'secrets',
        'secrets are never watched: their data never leaves the cluster',
      ),
    'resources',
  ).optional(),
  max_objects_per_resource: z
    .number()
    .int('must be a whole number')
    .min(1, 'must be at least 1')
    .max(200_000, 'must be at most 200000')
    .optional(),
});

export const fluxSchema = z.strictObject({
  webhook_receiver: z.strictObject({ namespace: dnsLabel, name: dnsLabel }).optional(),
});

export const agentConfigSchema = z.strictObject({
  ci_access: ciAccessSchema.optional(),
  user_access: userAccessSchema.optional(),
  observability: observabilitySchema.optional(),
  object_watch: objectWatchSchema.optional(),
  flux: fluxSchema.optional(),
});

export type AgentConfig = z.infer<typeof agentConfigSchema>;
export type CiAccessAs = z.infer<typeof ciAccessAsSchema>;
export type UserAccessAs = z.infer<typeof userAccessAsSchema>;

/** JSON Schema (draft 2020-12) of the config for the console editor's completion and hints. */
export const agentConfigJsonSchema = z.toJSONSchema(agentConfigSchema, { unrepresentable: 'any' });

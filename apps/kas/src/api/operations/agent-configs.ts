import { unusedKeyWarnings } from '@mooring/modules/agent_configuration/shared/unused-keys';
import { z } from 'zod';
import { actorOf } from '../actor';
import { defineOperation } from '../operation';
import { id, iso, timestamp } from '../views';

const configError = z.object({
  line: z.number().int(),
  column: z.number().int(),
  path: z.string().describe('dotted field path, empty for the whole document'),
  message: z.string(),
});

const configWarning = z.object({
  path: z
    .string()
    .describe(
      'dotted field path of a project or group that did not exist when the config was saved, or of a key that is accepted but not used yet',
    ),
  message: z.string(),
});

const versionSummary = z.object({
  agentId: id,
  version: z.number().int(),
  valid: z.boolean(),
  errors: z.array(configError),
  authorId: id.nullable(),
  authorName: z.string().nullable(),
  createdAt: timestamp,
});
const versionView = versionSummary.extend({ yaml: z.string() });

const agentVersion = { agentId: id, version: z.number().int().positive('must be a version number') };

/** What a save (or a revert, which is one) answers. */
const savedView = z.object({
  agentId: id,
  version: z.number().int(),
  yaml: z.string(),
  warnings: z.array(configWarning),
  created: z
    .boolean()
    .describe('false when the text was the live one and only its paths were resolved again'),
});
const savedOf = (live: z.infer<typeof savedView>): z.infer<typeof savedView> => ({
  agentId: live.agentId,
  version: live.version,
  yaml: live.yaml,
  warnings: live.warnings,
  created: live.created,
});

/** The YAML may be up to 128 KiB; the API accepts a little more so the services give the precise error. */
const yamlText = z.string().max(256 * 1024, 'must be at most 128 KiB (131072 bytes)');

export const agentConfigOperations = {
  get: defineOperation({
    name: 'agentConfigs.get',
    type: 'query',
    method: 'GET',
    path: '/agents/:agentId/configs/live',
    summary: 'The live (newest valid) configuration, or null when the agent has none',
    input: z.strictObject({ agentId: id }),
    output: z
      .object({ agentId: id, version: z.number().int(), yaml: z.string(), warnings: z.array(configWarning) })
      .nullable(),
    async handler(input, ctx) {
      const live = await ctx.services.agentConfigs.getLive(actorOf(ctx), input.agentId);
      return live
        ? { agentId: live.agentId, version: live.version, yaml: live.yaml, warnings: live.warnings }
        : null;
    },
  }),
  history: defineOperation({
    name: 'agentConfigs.history',
    type: 'query',
    method: 'GET',
    path: '/agents/:agentId/configs',
    summary: 'Every saved version, newest first, valid and rejected (without YAML)',
    input: z.strictObject({ agentId: id, limit: z.number().int().min(1).max(500).optional() }),
    output: z.array(versionSummary),
    async handler({ agentId, ...opts }, ctx) {
      const rows = await ctx.services.agentConfigs.history(actorOf(ctx), agentId, opts);
      return rows.map((row) => ({ ...row, createdAt: iso(row.createdAt) }));
    },
  }),
  version: defineOperation({
    name: 'agentConfigs.version',
    type: 'query',
    method: 'GET',
    path: '/agents/:agentId/configs/:version',
    summary: 'One stored version with its YAML and, if rejected, its errors',
    input: z.strictObject(agentVersion),
    output: versionView,
    async handler(input, ctx) {
      const row = await ctx.services.agentConfigs.getVersion(actorOf(ctx), input.agentId, input.version);
      return { ...row, createdAt: iso(row.createdAt) };
    },
  }),
  save: defineOperation({
    name: 'agentConfigs.save',
    type: 'mutation',
    method: 'POST',
    path: '/agents/:agentId/configs',
    successStatus: 201,
    summary:
      'Save a new configuration version (Maintainer). Invalid YAML is stored as rejected and answered 400 invalid_config with every error (line, column, field) in `errors`; the agent keeps its last valid one. Projects and groups are resolved by path now: paths naming nothing come back as `warnings` (the entry grants nothing), as do keys accepted but not used yet. Saving the live text again re-resolves its paths without a new version (`created: false`)',
    input: z.strictObject({ agentId: id, yaml: yamlText }),
    output: savedView,
    async handler(input, ctx) {
      return savedOf(await ctx.services.agentConfigs.save(actorOf(ctx), input.agentId, input.yaml));
    },
  }),
  revert: defineOperation({
    name: 'agentConfigs.revert',
    type: 'mutation',
    method: 'POST',
    path: '/agents/:agentId/configs/:version/revert',
    successStatus: 201,
    summary:
      'Save a stored version’s text again as the newest version (Maintainer), with the same warnings and an audit row `agent_config.revert`. Reverting to the live version creates nothing and re-resolves its paths (`created: false`); a rejected version answers 400',
    input: z.strictObject(agentVersion),
    output: savedView,
    async handler(input, ctx) {
      return savedOf(await ctx.services.agentConfigs.revert(actorOf(ctx), input.agentId, input.version));
    },
  }),
  validate: defineOperation({
    name: 'agentConfigs.validate',
    // A read (PAT read_api suffices, no CSRF) sent as POST: 128 KiB of YAML does not fit a URL.
    type: 'query',
    method: 'POST',
    path: '/agent_configs/validate',
    summary: 'Check YAML without saving it (the editor’s live validation)',
    input: z.strictObject({ yaml: yamlText }),
    output: z.object({
      valid: z.boolean(),
      errors: z.array(configError),
      warnings: z
        .array(configWarning)
        .describe('keys that are accepted but not used yet (paths are looked up only on save)'),
    }),
    async handler(input, ctx) {
      const result = await ctx.services.agentConfigs.validate(input.yaml);
      return result.ok
        ? { valid: true, errors: [], warnings: unusedKeyWarnings(result.config) }
        : { valid: false, errors: result.errors, warnings: [] };
    },
  }),
  diff: defineOperation({
    name: 'agentConfigs.diff',
    type: 'query',
    method: 'GET',
    path: '/agents/:agentId/configs/:from/diff/:to',
    summary: 'Line diff between two stored versions',
    input: z.strictObject({
      agentId: id,
      from: z.number().int().positive(),
      to: z.number().int().positive(),
    }),
    output: z.object({
      from: z.number().int(),
      to: z.number().int(),
      lines: z.array(
        z.object({
          op: z.enum([' ', '-', '+']),
          text: z.string(),
          oldLine: z.number().int().optional(),
          newLine: z.number().int().optional(),
        }),
      ),
      exact: z
        .boolean()
        .describe(
          'false when the versions differ too much for a line-by-line comparison: the differing middle is shown removed and added whole',
        ),
      unified: z.string(),
    }),
    async handler(input, ctx) {
      return ctx.services.agentConfigs.diff(actorOf(ctx), input.agentId, input.from, input.to);
    },
  }),
};

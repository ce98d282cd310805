// The contract between object_watch's two halves: kas calls ObjectWatch.Watch on an agent through the reverse
// tunnel (one call per upstream watch) and agentk answers from its object cache — a snapshot of row projections,
// then deltas. Messages are JSON (one message per frame, bounded), like echo_fixture's, so no generated code.
// Neither half trusts the other's bytes: both parse with these schemas.
import { z } from 'zod';

/** Served by agentk through the reverse tunnel. One request message, then response messages until cancelled. */
export const OBJECT_WATCH_WATCH = '/mooring.object_watch.ObjectWatch/Watch';

/** Rows per snapshot message: keeps each message far below the tunnel's frame limit (~0.5 KiB a row). */
export const SNAPSHOT_CHUNK_ROWS = 500;
/** Deltas per delta message: agentk batches what arrived together. */
export const DELTA_BATCH_MAX = 500;
/** A request or response message larger than this is refused (a bug or a hostile peer, never a real row batch). */
export const MAX_MESSAGE_BYTES = 4 * 1024 * 1024;

const k8sName = z.string().min(1).max(253);

/**
 * A resource as the config names it: `pods` (core, v1), `apps/v1/deployments`, or `<group>/<version>/<resource>`
 * for a CRD. The same form as `object_watch.resources` in the agent configuration.
 */
export const resourceNameSchema = z
  .string()
  .min(1)
  .max(300)
  .regex(
    /^[a-z0-9][a-z0-9.-]*(\/[a-z0-9][a-z0-9.-]*){0,2}$/,
    'must be a resource like pods, deployments or apps/v1/deployments',
  );

export const watchRequestSchema = z.strictObject({
  resource: resourceNameSchema,
  /** Absent: every namespace (and cluster-scoped resources). */
  namespace: k8sName.optional(),
  /** Kubernetes label selector syntax (`app=web,tier in (a,b),!canary`), at most 1,024 characters. */
  labelSelector: z.string().max(1024).optional(),
  /** `metadata.name=…`, `metadata.namespace=…` and the kind's own fields (see rows.ts), at most 1,024 characters. */
  fieldSelector: z.string().max(1024).optional(),
  /** A `version` this agentk sent before: resume with deltas when its cache still covers it, else a snapshot. */
  sinceVersion: z.string().max(100).optional(),
});
export type WatchRequest = z.infer<typeof watchRequestSchema>;

export const ownerRefSchema = z.strictObject({
  apiVersion: z.string().max(300),
  kind: z.string().max(100),
  name: k8sName,
  uid: z.string().max(100),
  controller: z.boolean().optional(),
});

/**
 * One object as the lists show it: identity, labels, owners and the kind's columns (rows.ts says which). About half
 * a kilobyte; full objects only through the proxy (`objects.get`).
 */
export const objectRowSchema = z.strictObject({
  uid: z.string().min(1).max(100),
  name: k8sName,
  /** Absent for cluster-scoped objects. */
  namespace: k8sName.optional(),
  resourceVersion: z.string().max(100),
  /** RFC 3339. */
  createdAt: z.string().max(40),
  labels: z.record(z.string(), z.string()),
  ownerReferences: z.array(ownerRefSchema).max(50),
  /** The kind's columns by name (rows.ts); strings are trimmed to 1,024 characters. */
  columns: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()])),
});
export type ObjectRow = z.infer<typeof objectRowSchema>;

export const deltaSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('added'), row: objectRowSchema }),
  z.strictObject({ type: z.literal('modified'), row: objectRowSchema }),
  /** A deleted object: its last row as agentk saw it. */
  z.strictObject({ type: z.literal('deleted'), row: objectRowSchema }),
]);
export type Delta = z.infer<typeof deltaSchema>;

/**
 * Why a watch has no (or stale) rows. `ok` after any of the others clears it. `forbidden`: agentk's service account
 * may not list/watch the resource; `too_many`: the resource passed `object_watch.max_objects_per_resource`;
 * `unknown_resource`: discovery does not know it; `not_watched`: the agent's object_watch config does not list it;
 * `error`: anything else (the message says what).
 */
export const watchStateSchema = z.enum([
  'ok',
  'forbidden',
  'too_many',
  'unknown_resource',
  'not_watched',
  'error',
]);
export type WatchState = z.infer<typeof watchStateSchema>;

export const watchMessageSchema = z.discriminatedUnion('type', [
  /**
   * The full state, in chunks of at most SNAPSHOT_CHUNK_ROWS rows; the receiver replaces what it had once it got the
   * chunk with `last: true` (a snapshot is never interleaved with deltas). `version` is on the last chunk.
   */
  z.strictObject({
    type: z.literal('snapshot'),
    rows: z.array(objectRowSchema).max(SNAPSHOT_CHUNK_ROWS),
    last: z.boolean(),
    version: z.string().max(100).optional(),
  }),
  /** Changes after the snapshot (or after `sinceVersion`), in order; `version` covers every delta of the message. */
  z.strictObject({
    type: z.literal('deltas'),
    deltas: z.array(deltaSchema).min(1).max(DELTA_BATCH_MAX),
    version: z.string().max(100),
  }),
  /** Resumed from `sinceVersion`: the deltas that follow continue the receiver's state (no snapshot comes). */
  z.strictObject({ type: z.literal('resumed'), version: z.string().max(100) }),
  /** The watch's health; a message for anything but `ok`, written for the user and naming the fix. */
  z.strictObject({
    type: z.literal('status'),
    state: watchStateSchema,
    message: z.string().max(2000),
    /** The resource's kind and scope from discovery, once known. */
    kind: z.string().max(100).optional(),
    namespaced: z.boolean().optional(),
  }),
]);
export type WatchMessage = z.infer<typeof watchMessageSchema>;

export function encodeWatchMessage(message: WatchMessage | WatchRequest): Uint8Array {
  return Buffer.from(JSON.stringify(message));
}

/** Parses one message with `schema`; throws an Error naming the field on anything else. */
export function decodeWatchMessage<T>(schema: z.ZodType<T>, bytes: Uint8Array): T {
  if (bytes.byteLength > MAX_MESSAGE_BYTES)
    throw new Error(
      `object_watch: a message of ${bytes.byteLength} bytes is over the ${MAX_MESSAGE_BYTES}-byte limit`,
    );
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8'));
  } catch {
    throw new Error('object_watch: a message is not JSON');
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`object_watch: bad message at ${issue?.path.join('.') || '(root)'}: ${issue?.message}`);
  }
  return parsed.data;
}

/** Secrets are never cached or streamed: their data never leaves the cluster this way. */
export function isRefusedResource(resource: string): boolean {
  const plural = resource.split('/').at(-1);
  return plural === 'secrets';
}

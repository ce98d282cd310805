// Shared by kas's tRPC handler and the console's batch link, so busy console pages never exceed what kas accepts.

/** Calls one tRPC batch may carry (tRPC's maxBatchSize); kas refuses longer batches with 400. */
export const TRPC_MAX_BATCH_SIZE = 20;

/** Procedures that must be sent alone: each login costs a password hash, and the throttle counts requests. */
export const TRPC_UNBATCHABLE: ReadonlySet<string> = new Set(['session.login']);

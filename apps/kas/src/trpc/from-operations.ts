import type { TRPCMutationProcedure, TRPCQueryProcedure } from '@trpc/server';
import { z } from 'zod';
import { toApiError } from '../api/errors';
import type { AnyOperation, Operation, OperationGroup } from '../api/operation';
import { authorizeCall, runHandler } from '../api/pipeline';
import { handlerContext } from '../api/request-state';
import { t, toTrpcError, type TrpcContext } from './init';

/** Inputs whose fields are all optional may be omitted by tRPC callers (`trpc.users.list.query()`). */
type ClientInput<I extends z.ZodObject> =
  Record<never, never> extends z.input<I> ? z.input<I> | undefined : z.input<I>;

type ProcedureFor<Op> =
  Op extends Operation<infer I, infer O, infer T>
    ? T extends 'query'
      ? TRPCQueryProcedure<{ meta: object; input: ClientInput<I>; output: z.output<O> }>
      : TRPCMutationProcedure<{ meta: object; input: ClientInput<I>; output: z.output<O> }>
    : never;

export type ProcedureRecordFor<G extends OperationGroup> = { [K in keyof G]: ProcedureFor<G[K]> };

/**
 * Authentication, PAT scope and CSRF, as for every operation on REST and tRPC; run before input validation.
 * Every tRPC procedure uses it: operations, subscriptions (from-subscriptions.ts) and the tRPC-only queries.
 */
export function callerAuthorization(spec: Parameters<typeof authorizeCall>[0]) {
  return t.middleware(async ({ ctx, next }) => {
    try {
      if (ctx.state.authError && spec.access !== 'public') throw ctx.state.authError;
      authorizeCall(spec, ctx.state.principal, ctx.state.csrfHeader);
    } catch (err) {
      throw toTrpcError(toApiError(err));
    }
    return next();
  });
}

function toProcedure(operation: AnyOperation) {
  const procedure = t.procedure
    .use(callerAuthorization(operation))
    .input(z.preprocess((value) => value ?? {}, operation.input));
  const resolve = async ({ input, ctx }: { input: unknown; ctx: TrpcContext }) => {
    try {
      return await runHandler(
        operation,
        input,
        handlerContext(ctx.req, ctx.res, ctx.state, ctx.services, ctx.kasInfo),
      );
    } catch (err) {
      const apiError = toApiError(err);
      for (const [name, value] of Object.entries(apiError.headers)) ctx.res.setHeader(name, value);
      throw toTrpcError(apiError);
    }
  };
  return operation.type === 'query' ? procedure.query(resolve) : procedure.mutation(resolve);
}

/** The tRPC procedures of one domain, typed from its operations' zod schemas. */
export function proceduresFor<G extends OperationGroup>(group: G): ProcedureRecordFor<G> {
  const record: Record<string, unknown> = {};
  for (const [key, operation] of Object.entries(group)) record[key] = toProcedure(operation);
  return record as ProcedureRecordFor<G>;
}

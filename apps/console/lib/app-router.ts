// The type the console's tRPC client is checked against: kas's router plus the procedures proposed in
// server/live-contract.ts that kas does not serve yet. Type-only: nothing from kas is bundled.
import type { appRouter } from '../../kas/src/trpc/router';
import type { t } from '../../kas/src/trpc/init';
import type { kubeconfigRouterProposal, liveRouterProposal } from '../server/live-contract';

type KasRecord = (typeof appRouter)['_def']['record'];
type ConsoleRouter = ReturnType<
  typeof t.router<
    KasRecord & { live: typeof liveRouterProposal; kubeconfig: typeof kubeconfigRouterProposal }
  >
>;

export type AppRouter = ConsoleRouter;

// The type the console's tRPC client is checked against: kas's router plus the fragments in
// server/live-router.ts that kas does not mount yet. Type-only: nothing from kas is bundled.
import type { appRouter } from '../../kas/src/trpc/router';
import type { t } from '../../kas/src/trpc/init';
import type { KubeconfigRouter, LiveRouter } from '../../kas/src/live/live-router';

type KasRecord = (typeof appRouter)['_def']['record'];
type Extras = ('live' extends keyof KasRecord ? object : { live: LiveRouter }) &
  ('kubeconfig' extends keyof KasRecord ? object : { kubeconfig: KubeconfigRouter });

export type AppRouter = ReturnType<typeof t.router<KasRecord & Extras>>;

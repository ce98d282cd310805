// The type the console's tRPC client is checked against: kas's router (live and kubeconfig procedures included).
// Type-only: nothing from kas is bundled.
export type { AppRouter } from '@mooring/kas';

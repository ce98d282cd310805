// The type the console's tRPC client is checked against.
// Switch to kas's real router as soon as it exports one:
//   export type { AppRouter } from '../../kas/src/trpc/router';
export type { KasContractRouter as AppRouter } from '../server/kas-contract';

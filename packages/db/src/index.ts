export * from './schema';
export * as schema from './schema';
export {
  openDatabase,
  migrationsFolder,
  selectRows,
  type Database,
  type Transaction,
  type Executor,
  type DatabaseBackend,
  type OpenedDatabase,
  type OpenDatabaseOptions,
} from './open';
export { DataDirLockedError, acquireDataDirLock } from './lock-file';
export { makePrivateDir, usePrivateUmask, PrivateDirError } from './private-dir';

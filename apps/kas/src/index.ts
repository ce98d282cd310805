// Public surface of @mooring/kas for other workspace packages (tests, e2e, the console's types).
export { startKas, type RunningKas, type StartKasOptions } from './kas';
export { loadConfig, ConfigError, type KasConfig } from './config';
export type { KasModule, KasModuleContext, KasModuleStarted } from './module';
export { defaultModules, type KasModuleDeps, type KasModuleFactory } from './modules';
export type { AppRouter } from './trpc/router';
export type { ApiErrorBody } from './api/errors';
export { buildOpenApiDocument } from './api/openapi';
export { allOperations } from './api/operations/index';
export { kasVersion } from './version';

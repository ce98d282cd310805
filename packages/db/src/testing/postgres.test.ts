import { describe, expect, it } from 'vitest';
import { startTestPostgres } from './postgres';

// Without a server the DB suites must fail loudly, never skip.
describe('startTestPostgres without a server', () => {
  it('fails with what to set when PostgreSQL binaries are missing', async () => {
    await expect(startTestPostgres({ pgBin: '/nonexistent/postgres/bin' })).rejects.toThrow(
      /could not start a throwaway PostgreSQL .*initdb not found.*set MOORING_TEST_DATABASE_URL=postgres:\/\//,
    );
  });

  it('fails with the server address when the configured URL cannot be reached', async () => {
    await expect(startTestPostgres({ url: 'postgres://nobody@127.0.0.1:1/postgres' })).rejects.toThrow(
      /PostgreSQL at 127\.0\.0\.1:1 refused "create database/,
    );
  });
});

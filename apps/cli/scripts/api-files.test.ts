// The CLI's OpenAPI copy and its types are what kas serves today: regenerate with `pnpm --filter @mooring/cli generate`.
import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { generateApiFiles, openApiJsonPath, openApiTypesPath } from './api-files';

describe("the CLI's API types", () => {
  it("match kas's OpenAPI document (run pnpm --filter @mooring/cli generate when this fails)", async () => {
    const { json, types } = await generateApiFiles();
    expect(fs.readFileSync(openApiJsonPath, 'utf8') === json, 'src/api/gen/openapi.json is stale').toBe(true);
    expect(fs.readFileSync(openApiTypesPath, 'utf8') === types, 'src/api/gen/openapi-types.ts is stale').toBe(
      true,
    );
  }, 60_000);
});

// The CLI's copy of kas's OpenAPI document and the TypeScript types generated from it (openapi-typescript), both
// built from the operations kas serves (the same document GET /api/v1/openapi.json answers). `pnpm --filter
// @mooring/cli generate` writes them; api-files.test.ts fails when they are stale.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { allOperations, buildOpenApiDocument, kasVersion } from '@mooring/kas';
import openapiTS, { astToString } from 'openapi-typescript';

const apiDir = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'src', 'api', 'gen');
export const openApiJsonPath = path.join(apiDir, 'openapi.json');
export const openApiTypesPath = path.join(apiDir, 'openapi-types.ts');

export async function generateApiFiles(): Promise<{ json: string; types: string }> {
  const document = buildOpenApiDocument(allOperations, kasVersion);
  const json = `${JSON.stringify(document, null, 2)}\n`;
  const ast = await openapiTS(structuredClone(document) as never);
  const types =
    "// Generated from kas's OpenAPI document by `pnpm --filter @mooring/cli generate` (scripts/api-files.ts); do not edit.\n" +
    astToString(ast);
  return { json, types };
}

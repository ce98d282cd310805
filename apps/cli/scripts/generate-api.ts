// Writes src/api/openapi.json and src/api/openapi-types.ts (scripts/api-files.ts says what they are).
import fs from 'node:fs';
import { generateApiFiles, openApiJsonPath, openApiTypesPath } from './api-files';

const { json, types } = await generateApiFiles();
fs.writeFileSync(openApiJsonPath, json);
fs.writeFileSync(openApiTypesPath, types);
console.log(`wrote ${openApiJsonPath} and ${openApiTypesPath}`);

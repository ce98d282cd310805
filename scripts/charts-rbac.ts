// `pnpm charts:rbac`: writes the agentk chart's RBAC rules from their one source
// (packages/modules/agent_registrar/shared/agent-rbac.ts); agent-rbac.test.ts fails while the file is stale.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chartRbacRulesJson, chartRbacRulesPath } from '@mooring/modules/agent_registrar/shared/agent-rbac';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
writeFileSync(path.join(repoRoot, chartRbacRulesPath), chartRbacRulesJson());
console.log(`wrote ${chartRbacRulesPath}`);

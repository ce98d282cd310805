import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { agentClusterRoleRules as kubeDevRules, agentNamespace as kubeDevNamespace } from '@mooring/kube-dev';
import { describe, expect, it } from 'vitest';
import { DEFAULT_RESOURCES } from '../../object_watch/shared/resources';
import {
  agentClusterRoleRules,
  agentNamespace,
  chartRbacRulesJson,
  chartRbacRulesPath,
  readOnlyRules,
} from './agent-rbac';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');

describe('the agent RBAC source', () => {
  it('is what the chart holds (run `pnpm charts:rbac` after changing agent-rbac.ts)', () => {
    const onDisk = readFileSync(path.join(repoRoot, chartRbacRulesPath), 'utf8');
    expect(onDisk, `${chartRbacRulesPath} is stale: run pnpm charts:rbac`).toBe(chartRbacRulesJson());
  });

  it('read-only: get/list/watch on every resource object_watch watches by default, never Secrets, and SARs', () => {
    const rules = readOnlyRules();
    for (const r of DEFAULT_RESOURCES) {
      const rule = rules.find((x) => x.apiGroups?.[0] === r.group && x.resources?.includes(r.resource));
      expect(rule?.verbs, `${r.group}/${r.resource}`).toEqual(['get', 'list', 'watch']);
    }
    expect(rules).toContainEqual({
      apiGroups: ['authorization.k8s.io'],
      resources: ['subjectaccessreviews'],
      verbs: ['create'],
    });
    const everything = JSON.stringify(rules);
    expect(everything).not.toMatch(/secrets|"\*"|impersonate/);
  });

  it('impersonation is added only when asked for, to any preset', () => {
    for (const preset of ['read-only', 'namespace-admin', 'cluster-admin'] as const) {
      expect(JSON.stringify(agentClusterRoleRules(preset, false))).not.toContain('impersonate');
      expect(JSON.stringify(agentClusterRoleRules(preset, true))).toContain('impersonate');
    }
    const verbs = agentClusterRoleRules('cluster-admin', true).flatMap((rule) => rule.verbs);
    for (const forbidden of ['escalate', 'bind', 'approve', 'sign', '*'])
      expect(verbs).not.toContain(forbidden);
  });

  it("is the local cluster's agent identity (cluster-admin with impersonation), in the one namespace", () => {
    expect(kubeDevRules).toEqual(agentClusterRoleRules('cluster-admin', true));
    expect(kubeDevNamespace).toBe(agentNamespace);
    expect(agentNamespace).toBe('mooring-system');
  });
});

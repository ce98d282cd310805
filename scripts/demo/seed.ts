// Idempotent demo data: a group, a project, an agent, one agent token and one personal access token (the receptive
// agent beside it is receptive.ts's).
// Secrets the demo needs again (tokens, the admin password) live in <data dir>/demo with mode 0600, so a
// second `pnpm start` reuses them: no duplicate rows, never a third agent token.
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { actorFor, type Actor, NotFoundError } from '../../apps/kas/src/services/index';
import type { KasServices } from '../../apps/kas/src/api/services-adapter';

export const DEMO = {
  group: 'demo',
  project: 'platform',
  agent: 'local-cluster',
  /** kas dials this one's agentk (receptive mode, scripts/demo/receptive.ts). */
  receptiveAgent: 'local-receptive',
  admin: 'admin',
} as const;

/** The first configuration of a demo agent: user and CI access for the demo project. */
export const demoAgentConfig = (
  agent: string,
) => `# Written by pnpm start; edit it in the console (Clusters, ${agent}, Configuration).
observability:
  logging:
    level: info
user_access:
  access_as:
    agent: {}
  projects:
    - id: demo/platform
ci_access:
  projects:
    - id: demo/platform
      default_namespace: default
`;

export interface DemoSeed {
  agentId: number;
  agentTokenFile: string;
  personalAccessToken: string;
  projectPath: string;
}

export function readSecret(file: string): string | null {
  return existsSync(file) ? readFileSync(file, 'utf8').trim() || null : null;
}

export function writeSecret(file: string, value: string): void {
  writeFileSync(file, `${value}\n`, { mode: 0o600 });
}

/** The admin password the demo starts kas with (kas creates the admin with it on the first start). */
export function demoAdminPassword(demoDir: string): string {
  const file = path.join(demoDir, 'admin-password');
  const existing = readSecret(file);
  if (existing) return existing;
  const generated = randomBytes(12).toString('base64url');
  writeSecret(file, generated);
  return generated;
}

async function findOrCreate<T>(find: () => Promise<T>, create: () => Promise<T>): Promise<T> {
  try {
    return await find();
  } catch (error) {
    if (error instanceof NotFoundError) return create();
    throw error;
  }
}

/** The demo's admin, as the services' actor; the demo project's group and project, made on the first start. */
export async function demoProject(
  services: KasServices,
  demoDir: string,
): Promise<{ admin: Actor; projectId: number; projectPath: string }> {
  const adminUser = await services.users.getByUsername(DEMO.admin);
  if (!adminUser) throw new Error(`demo: kas has no "${DEMO.admin}" user; remove ${demoDir} and start again`);
  const admin: Actor = actorFor(adminUser, { address: '127.0.0.1' });
  const group = await findOrCreate(
    () => services.groups.getByPath(admin, DEMO.group),
    () => services.groups.create(admin, { name: 'Demo', path: DEMO.group }),
  );
  const projectPath = `${DEMO.group}/${DEMO.project}`;
  const project = await findOrCreate(
    () => services.projects.getByPath(admin, projectPath),
    () => services.projects.create(admin, { groupId: group.id, name: 'Platform', path: DEMO.project }),
  );
  return { admin, projectId: project.id, projectPath };
}

/** The demo project's agent `name` with its first configuration, registered on the first start. */
export async function demoAgent(
  services: KasServices,
  admin: Actor,
  projectId: number,
  name: string,
): Promise<{ id: number }> {
  const agents = await services.agents.list(admin, { projectId });
  const agent =
    agents.find((a) => a.name === name) ?? (await services.agents.register(admin, { projectId, name }));
  if (!(await services.agentConfigs.getLive(admin, agent.id)))
    await services.agentConfigs.save(admin, agent.id, demoAgentConfig(name));
  return agent;
}

/**
 * A valid agent token of `agentId` in `file` (0600): the saved one when kas still accepts it, else a new one named
 * `demo`, revoking an earlier demo token first to stay within the 2-active limit.
 */
export async function ensureAgentToken(
  services: KasServices,
  admin: Actor,
  agentId: number,
  file: string,
  description: string,
): Promise<void> {
  const saved = readSecret(file);
  const verified = saved ? await services.agentTokens.verify(saved) : null;
  if (verified?.agentId === agentId) return;
  const active = (await services.agentTokens.list(admin, agentId)).filter((t) => t.status === 'active');
  for (const stale of active.filter((t) => t.name === 'demo').slice(0, Math.max(0, active.length - 1)))
    await services.agentTokens.revoke(admin, stale.id, agentId);
  const created = await services.agentTokens.create(admin, agentId, { name: 'demo', description });
  writeSecret(file, created.token);
}

export async function seedDemo(services: KasServices, demoDir: string): Promise<DemoSeed> {
  const { admin, projectId, projectPath } = await demoProject(services, demoDir);
  const agent = await demoAgent(services, admin, projectId, DEMO.agent);
  const agentTokenFile = path.join(demoDir, 'agent-token');
  await ensureAgentToken(
    services,
    admin,
    agent.id,
    agentTokenFile,
    'used by the two agentk processes of `pnpm start`',
  );

  const patFile = path.join(demoDir, 'personal-access-token');
  let personalAccessToken = readSecret(patFile);
  if (
    !personalAccessToken ||
    !(await services.personalAccessTokens.verify(personalAccessToken, 'k8s_proxy'))
  ) {
    const created = await services.personalAccessTokens.create(admin, {
      name: 'demo kubeconfig',
      scopes: ['api', 'k8s_proxy'],
    });
    personalAccessToken = created.token;
    writeSecret(patFile, personalAccessToken);
  }
  return { agentId: agent.id, agentTokenFile, personalAccessToken, projectPath };
}

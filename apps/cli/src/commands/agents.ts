// mooring agents list: GET /api/v1/agents (optionally one project's, by its path).
import type { CommandFlags } from '../args';
import type { CliContext } from '../context';
import { printJson, printTable } from '../output';
import { connect } from './connect';
import { findProject } from './projects';

export async function agentsList(ctx: CliContext, flags: CommandFlags<'agents list'>): Promise<void> {
  const { api } = connect(ctx, flags);
  const projectId = flags.project ? (await findProject(api, flags.project)).id : undefined;
  const agents = await api.call('agents.list', { query: projectId ? { projectId } : {} });
  if (flags.output === 'json') return printJson(ctx, agents);
  printTable(
    ctx,
    ['ID', 'AGENT', 'RECEPTIVE', 'CREATED'],
    agents.map((a) => [String(a.id), `${a.projectPath}/${a.name}`, a.receptive ? 'yes' : 'no', a.createdAt]),
    'no agents you may see: register one with mooring agent register <project path>/<agent name>',
  );
}

// mooring agent register <project path>/<agent name>: registers the agent unless it exists (agents.register), creates
// a token (agentTokens.create), saves it where the helm line reads it (.mooring/<agent>.agent-token, 0600) with kas's
// CA beside it when kas's certificate is its own, prints the token once and the helm install line
// (agent_registrar/shared/helm-install-command.ts, the one the console shows).
import fs from 'node:fs';
import path from 'node:path';
import {
  caFileName,
  helmInstallCommand,
  localChartPath,
  needsKasCa,
  servedChartUrl,
  tokenFile,
} from '@mooring/modules/agent_registrar/shared/helm-install-command';
import { KasApiError } from '../api/client';
import type { CommandFlags } from '../args';
import { writePrivateFile } from '../config-store';
import type { CliContext } from '../context';
import { CliError, exitCodes } from '../errors';
import { kasUrlString } from '../kas-url';
import { printJson } from '../output';
import { connect } from './connect';
import { findProject } from './projects';

/** Inside a clone (run from its root) the chart is read from the working tree, else from kas. */
export function chartFor(cwd: string, kasUrl: string, version: string): string {
  return fs.existsSync(path.join(cwd, localChartPath, 'Chart.yaml'))
    ? localChartPath
    : servedChartUrl(kasUrl, version);
}

export async function agentRegister(ctx: CliContext, flags: CommandFlags<'agent register'>): Promise<void> {
  const { api, connection } = connect(ctx, flags);
  const { projectPath, agentName } = flags.ref;
  // Everything the install line needs is checked before anything is created.
  const [facts, version] = await Promise.all([api.call('meta.agentInstall'), api.call('meta.version')]);
  const kasAddress = flags['kas-address'] ?? facts.publicAddress;
  if (!kasAddress)
    throw new CliError(
      `kas knows no address agentk in a cluster can dial: ${facts.publicAddressProblem ?? 'MOORING_KAS_URL is not set on kas'}. Or pass --kas-address grpcs://<host>:<port> with the address your cluster reaches kas's agent API at`,
      exitCodes.usage,
    );
  const project = await findProject(api, projectPath);
  const existing = (await api.call('agents.list', { query: { projectId: project.id } })).find(
    (a) => a.name === agentName,
  );
  const agent =
    existing ??
    (await api.call('agents.register', { path: { projectId: project.id }, body: { name: agentName } }));
  let made;
  try {
    made = await api.call('agentTokens.create', {
      path: { agentId: agent.id },
      body: { name: flags['token-name'] ?? `mooring CLI ${ctx.now().toISOString().slice(0, 10)}` },
    });
  } catch (err) {
    if (err instanceof KasApiError && err.status === 409)
      throw new CliError(
        `${err.message.replace(/^POST \S+: /, '')} (agent ${project.fullPath}/${agentName} already has its active tokens: revoke one on its Tokens tab in the console, or DELETE /api/v1/agents/${agent.id}/tokens/<id>)`,
      );
    throw err;
  }
  const tokenPath = tokenFile(agentName);
  writePrivateFile(path.join(ctx.cwd, tokenPath), `${made.secret}\n`);
  const caFile = needsKasCa(kasAddress, facts.caPem) ? caFileName : null;
  if (caFile) writePrivateFile(path.join(ctx.cwd, caFile), facts.caPem!);
  const helmInstall = helmInstallCommand({
    agentName,
    chart: chartFor(ctx.cwd, kasUrlString(connection.kasUrl), version.kasVersion),
    imageRepository: flags['image-repository'],
    kasAddress,
    caFile,
  });
  if (flags.output === 'json')
    return printJson(ctx, {
      agent,
      created: existing === undefined,
      token: made.token,
      secret: made.secret,
      tokenFile: tokenPath,
      caFile,
      helmInstall,
    });
  ctx.stdout.write(
    [
      `Agent ${project.fullPath}/${agentName} (id ${agent.id}) ${existing ? 'exists' : 'registered'}; token ${made.token.id} created.`,
      `The token (shown once; also saved to ${tokenPath}, readable only by you):`,
      `  ${made.secret}`,
      ...(caFile ? [`kas's CA saved to ${caFile}.`] : []),
      '',
      'Install agentk into your cluster from this directory:',
      '',
      helmInstall,
      '',
    ].join('\n'),
  );
}

// mooring kubeconfig: POST /api/v1/kubeconfig (kas mints a k8s_proxy token with an expiry and writes a context per
// agent you may use), merged into ~/.kube/config (kubeconfig-merge.ts) or printed with --output yaml.
import type { CommandFlags } from '../args';
import type { CliContext } from '../context';
import { kubeconfigTarget, mergeIntoFile } from '../kubeconfig-merge';
import { printJson, printTable } from '../output';
import { connect } from './connect';

export async function kubeconfig(ctx: CliContext, flags: CommandFlags<'kubeconfig'>): Promise<void> {
  const { api } = connect(ctx, flags);
  const made = await api.call('kubeconfig.create', { body: { expiresInDays: flags['expires-in-days'] } });
  if (flags.output === 'yaml') {
    ctx.stdout.write(made.yaml);
    return;
  }
  const file = kubeconfigTarget(ctx.env, flags.kubeconfig);
  mergeIntoFile(file, made.yaml, flags['use-context']);
  if (flags.output === 'json')
    return printJson(ctx, { kubeconfig: file, contexts: made.contexts, token: made.token });
  printTable(
    ctx,
    ['CONTEXT', 'AGENT ID', 'NAMESPACE'],
    made.contexts.map((c) => [c.context, String(c.agentId), c.defaultNamespace ?? '']),
    'no contexts',
  );
  ctx.stdout.write(
    `Merged ${made.contexts.length} context${made.contexts.length === 1 ? '' : 's'} into ${file} (token ${made.token.id}, scope k8s_proxy, expires ${made.token.expiresAt}).\n` +
      `Use one: kubectl --context ${made.contexts[0]!.context} get namespaces\n`,
  );
}

// Merges the kubeconfig kas answers into the user's (like `glab cluster agent update-kubeconfig`): clusters, users
// and contexts with the same name are replaced, the rest kept; current-context changes only when asked, or when the
// file had none. The file is written 0600 (its directory 0700 when created).
import path from 'node:path';
import { parse, stringify } from 'yaml';
import { z } from 'zod';
import type { Env } from './config-store';
import { readSmallFile, writePrivateFile } from './config-store';
import { CliError } from './errors';

const named = z.looseObject({ name: z.string() });
const kubeconfigFile = z.looseObject({
  clusters: z.array(named).nullish(),
  users: z.array(named).nullish(),
  contexts: z.array(named).nullish(),
  'current-context': z.string().nullish(),
});
type Kubeconfig = z.infer<typeof kubeconfigFile>;

/** --kubeconfig, else the first file of $KUBECONFIG, else ~/.kube/config. */
export function kubeconfigTarget(env: Env, flag: string | undefined): string {
  if (flag) return path.resolve(flag);
  const first = env.KUBECONFIG?.split(path.delimiter).find(Boolean);
  if (first) return path.resolve(first);
  return path.join(env.HOME ?? '~', '.kube', 'config');
}

function parseKubeconfig(text: string, where: string): Kubeconfig {
  let doc: unknown;
  try {
    doc = parse(text) ?? {};
  } catch (err) {
    throw new CliError(
      `${where} is not valid YAML (${(err as Error).message.split('\n')[0]}): fix it or pass --kubeconfig with another file`,
    );
  }
  const parsed = kubeconfigFile.safeParse(doc);
  if (!parsed.success)
    throw new CliError(
      `${where} is not a kubeconfig (${parsed.error.issues[0]!.path.join('.')}: ${parsed.error.issues[0]!.message}): fix it or pass --kubeconfig with another file`,
    );
  return parsed.data;
}

function mergeList<T extends { name: string }>(
  into: readonly T[] | null | undefined,
  add: readonly T[] | null | undefined,
): T[] {
  const names = new Set((add ?? []).map((e) => e.name));
  return [...(into ?? []).filter((e) => !names.has(e.name)), ...(add ?? [])];
}

export function mergeKubeconfigs(
  existingText: string | undefined,
  addedText: string,
  useContext: boolean,
  where: string,
): string {
  const added = parseKubeconfig(addedText, 'the kubeconfig kas answered');
  const existing = existingText === undefined ? {} : parseKubeconfig(existingText, where);
  const current = existing['current-context'];
  const merged = {
    apiVersion: 'v1',
    kind: 'Config',
    ...existing,
    clusters: mergeList(existing.clusters, added.clusters),
    users: mergeList(existing.users, added.users),
    contexts: mergeList(existing.contexts, added.contexts),
    'current-context': useContext || !current ? added['current-context'] : current,
  };
  return stringify(merged);
}

/** kubeconfigs of many clusters grow large; far larger is not one. */
const MAX_KUBECONFIG_BYTES = 16 * 1024 * 1024;

export function mergeIntoFile(file: string, addedText: string, useContext: boolean): void {
  const existing = readSmallFile(file, 'the kubeconfig', MAX_KUBECONFIG_BYTES);
  writePrivateFile(file, mergeKubeconfigs(existing, addedText, useContext, file));
}

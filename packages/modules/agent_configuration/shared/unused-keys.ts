// Keys the schema accepts (so configurations written for them validate) but nothing acts on yet. Saving one is
// allowed, and answered with a warning per key in the same list as the unresolved-path warnings, so nobody
// relies on it by mistake. docs/configuration.md marks the same keys "accepted but not used yet".
import type { AgentConfig } from './config-schema';

export interface UnusedKeyWarning {
  /** Dotted field path, `ci_access.projects[0].default_namespace`. */
  path: string;
  message: string;
}

const unused = (path: string, key: string): UnusedKeyWarning => ({
  path,
  message: `${key} is accepted but not used yet: nothing acts on it (docs/configuration.md); remove it or keep it for later`,
});

/** One warning per key of `config` that is accepted but not used yet, in document order of the schema. */
export function unusedKeyWarnings(config: AgentConfig): UnusedKeyWarning[] {
  const out: UnusedKeyWarning[] = [];
  for (const kind of ['projects', 'groups'] as const) {
    for (const [i, entry] of (config.ci_access?.[kind] ?? []).entries()) {
      if (entry.default_namespace !== undefined)
        out.push(unused(`ci_access.${kind}[${i}].default_namespace`, 'default_namespace'));
    }
  }
  if (config.observability?.logging?.grpc_level !== undefined)
    out.push(unused('observability.logging.grpc_level', 'grpc_level'));
  if (config.flux !== undefined) out.push(unused('flux', 'flux'));
  return out;
}

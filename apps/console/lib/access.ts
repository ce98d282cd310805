import {
  deriveAuthorizations,
  parseAgentConfig,
} from '@mooring/modules/agent_configuration/shared/parse-config';

import './config-validate';

export interface AccessRow {
  kind: 'ci_access' | 'user_access';
  targetType: 'project' | 'group';
  targetPath: string;
  accessAs: string;
  scope: string;
}

/** The rows of the Access tab; null when the YAML does not parse (the editor shows why). */
export function describeAccess(yaml: string): AccessRow[] | null {
  const parsed = parseAgentConfig(yaml);
  if (!parsed.ok) return null;
  return deriveAuthorizations(parsed.config).map((a) => {
    const settings = a.settings as {
      access_as?: Record<string, unknown>;
      default_namespace?: string;
      environments?: string[];
    };
    const scope = [
      settings.default_namespace ? `namespace ${settings.default_namespace}` : '',
      settings.environments?.length ? `environments ${settings.environments.join(', ')}` : '',
    ]
      .filter(Boolean)
      .join('; ');
    return {
      kind: a.kind,
      targetType: a.targetType,
      targetPath: a.targetPath,
      accessAs: Object.keys(settings.access_as ?? { agent: {} })[0] ?? 'agent',
      scope,
    };
  });
}

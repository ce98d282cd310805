import { parseAgentConfig, type ConfigError } from '@mooring/modules/agent_configuration/shared/parse-config';
import {
  unusedKeyWarnings,
  type UnusedKeyWarning,
} from '@mooring/modules/agent_configuration/shared/unused-keys';

// The shared parser measures size with Buffer.byteLength; browsers have no Buffer, so give it exactly that.
const g = globalThis as { Buffer?: { byteLength(text: string, encoding?: string): number } };
if (typeof g.Buffer === 'undefined') {
  g.Buffer = { byteLength: (text: string) => new TextEncoder().encode(text).length };
}

/** Validates YAML in the browser with the same schema kas uses on save, so errors show as you type. */
export function validateConfigLocally(yaml: string): { errors: ConfigError[]; warnings: UnusedKeyWarning[] } {
  const result = parseAgentConfig(yaml);
  return result.ok
    ? { errors: [], warnings: unusedKeyWarnings(result.config) }
    : { errors: result.errors, warnings: [] };
}

import packageJson from '../package.json' with { type: 'json' };
import { agentkSettings } from './flags';

export const AGENTK_VERSION: string = packageJson.version;
/** Set by release builds; "unknown" from a source checkout. */
export const AGENTK_COMMIT: string = agentkSettings.commit.schema.parse(process.env.MOORING_AGENTK_COMMIT);

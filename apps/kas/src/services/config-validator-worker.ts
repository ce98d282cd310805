// Runs in a worker thread of the config validator (config-validator.ts): validates one YAML text per
// message, so a large document never holds kas's request thread.
import { parentPort } from 'node:worker_threads';
import { parseAgentConfig } from '@mooring/modules/agent_configuration/shared/parse-config';

export interface ValidationRequest {
  id: number;
  text: string;
}

parentPort?.on('message', ({ id, text }: ValidationRequest) => {
  parentPort!.postMessage({ id, result: parseAgentConfig(text) });
});

// What every command gets: the process's streams, environment and working directory (tests pass their own).
import type { Env } from './config-store';
import type { Io } from './output';
import type { PromptIo } from './prompt';

export interface CliContext extends Io {
  env: Env;
  cwd: string;
  stdin: PromptIo['stdin'];
  /** The clock, injected so tests can fix it. */
  now: () => Date;
  hostname: string;
}

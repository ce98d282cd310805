// The `mooring` command (docs/cli.md): `pnpm mooring …` in a clone, or the package's bin.
import os from 'node:os';
import { run } from './run';

const code = await run(process.argv.slice(2), {
  stdin: process.stdin,
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  cwd: process.cwd(),
  now: () => new Date(),
  hostname: os.hostname(),
});
process.exitCode = code;

// Parses the command line, runs the command, and turns every failure into one line on stderr and an exit code
// (errors.ts). Tests call run() with their own streams; main.ts calls it with the process's.
import { commands, helpText, parseCommandLine } from './args';
import { agentRegister } from './commands/agent-register';
import { agentsList } from './commands/agents';
import { kubeconfig } from './commands/kubeconfig';
import { login } from './commands/login';
import { tokenCreate, tokenList, tokenRevoke } from './commands/token';
import type { CliContext } from './context';
import { CliError, exitCodes, type ExitCode } from './errors';

export const cliVersion = '0.1.0';

export async function run(argv: readonly string[], ctx: CliContext): Promise<ExitCode> {
  try {
    const parsed = parseCommandLine(argv);
    switch (parsed.command) {
      case 'help':
        ctx.stdout.write(
          `${parsed.topic ? `${commands[parsed.topic as keyof typeof commands].usage}\n  ${commands[parsed.topic as keyof typeof commands].summary}` : helpText()}\n`,
        );
        break;
      case 'version':
        ctx.stdout.write(`mooring ${cliVersion}\n`);
        break;
      case 'login':
        await login(ctx, parsed.flags);
        break;
      case 'agents list':
        await agentsList(ctx, parsed.flags);
        break;
      case 'agent register':
        await agentRegister(ctx, parsed.flags);
        break;
      case 'kubeconfig':
        await kubeconfig(ctx, parsed.flags);
        break;
      case 'token create':
        await tokenCreate(ctx, parsed.flags);
        break;
      case 'token list':
        await tokenList(ctx, parsed.flags);
        break;
      case 'token revoke':
        await tokenRevoke(ctx, parsed.flags);
        break;
    }
    return exitCodes.ok;
  } catch (err) {
    if (err instanceof CliError) {
      ctx.stderr.write(`mooring: ${err.message}\n`);
      return err.exitCode;
    }
    ctx.stderr.write(
      `mooring: unexpected error (a bug; please report it): ${(err as Error).stack ?? String(err)}\n`,
    );
    return exitCodes.failed;
  }
}

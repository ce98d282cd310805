// What the CLI tells the user when it cannot do what was asked: one message that names the fix, and an exit code a
// script can act on (docs/cli.md lists them).

export const exitCodes = {
  ok: 0,
  /** kas refused or failed the request (4xx other than 401, 5xx), or a local file could not be written. */
  failed: 1,
  /** The command line is wrong: unknown command or flag, a missing or bad value. */
  usage: 2,
  /** Not logged in, or the stored token is unknown, revoked or expired (kas answered 401). */
  unauthenticated: 3,
  /** kas could not be reached: wrong URL, nothing listening, DNS, TLS, timeout. */
  unreachable: 4,
} as const;

export type ExitCode = (typeof exitCodes)[keyof typeof exitCodes];

export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: ExitCode = exitCodes.failed,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

export const usageError = (message: string) => new CliError(message, exitCodes.usage);

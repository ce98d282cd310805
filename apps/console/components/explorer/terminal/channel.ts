// Kubernetes' WebSocket remote-command protocol (k8s.io/apimachinery/pkg/util/remotecommand, KEP-4006): every binary
// message is one channel byte and its payload. 0 stdin, 1 stdout, 2 stderr (server → client), 3 the command's
// final metav1.Status as JSON, 4 a terminal size as JSON {"Width","Height"} (client → server), and in v5 only 255:
// "I closed this channel" with the channel's number as its payload.

export const EXEC_PROTOCOLS = ['v5.channel.k8s.io', 'v4.channel.k8s.io'] as const;

export const CHANNEL = { stdin: 0, stdout: 1, stderr: 2, status: 3, resize: 4, close: 255 } as const;

const encoder = new TextEncoder();

function frame(channel: number, payload: Uint8Array): Uint8Array {
  const out = new Uint8Array(payload.length + 1);
  out[0] = channel;
  out.set(payload, 1);
  return out;
}

export function stdinFrame(data: string | Uint8Array): Uint8Array {
  return frame(CHANNEL.stdin, typeof data === 'string' ? encoder.encode(data) : data);
}

/** The terminal's size in character cells; the kubelet passes it to the pseudo-terminal (SIGWINCH). */
export function resizeFrame(cols: number, rows: number): Uint8Array {
  return frame(CHANNEL.resize, encoder.encode(JSON.stringify({ Width: cols, Height: rows })));
}

/** v5: stdin ends (the shell reads EOF). v4 has no way to say it but closing the socket. */
export function closeFrame(channel: number): Uint8Array {
  return new Uint8Array([CHANNEL.close, channel]);
}

export interface IncomingFrame {
  channel: number;
  payload: Uint8Array;
}

/** An empty message carries no channel and is skipped (null). */
export function readFrame(message: ArrayBuffer | Uint8Array): IncomingFrame | null {
  const bytes = message instanceof Uint8Array ? message : new Uint8Array(message);
  if (bytes.length === 0) return null;
  return { channel: bytes[0]!, payload: bytes.subarray(1) };
}

export type ExecOutcome =
  | { kind: 'success' }
  | { kind: 'exit'; code: number; message: string }
  | { kind: 'failure'; message: string; reason: string };

interface StatusJson {
  status?: string;
  message?: string;
  reason?: string;
  details?: { causes?: { reason?: string; message?: string }[] };
}

/**
 * The status channel's metav1.Status: `Success`, or `Failure` with reason `NonZeroExitCode` and the code in the
 * `ExitCode` cause, or any other failure (the command could not start, the container is gone).
 */
export function parseStatus(text: string): ExecOutcome {
  let status: StatusJson;
  try {
    status = JSON.parse(text) as StatusJson;
  } catch {
    return {
      kind: 'failure',
      message: text.slice(0, 500) || 'the cluster sent an unreadable status',
      reason: '',
    };
  }
  if (status.status === 'Success') return { kind: 'success' };
  const message = status.message ?? 'the command failed';
  if (status.reason === 'NonZeroExitCode') {
    const cause = status.details?.causes?.find((c) => c.reason === 'ExitCode');
    const code = Number(cause?.message);
    if (Number.isInteger(code)) return { kind: 'exit', code, message };
  }
  return { kind: 'failure', message, reason: status.reason ?? '' };
}

const NOT_FOUND =
  /executable file not found|no such file or directory|not found in \$PATH|command not found/i;

/**
 * Did the shell fail to start because the container has no such program? The runtime says so in the failure's
 * message (runc, containerd, CRI-O and kwok all put Go's `exec: "bash": executable file not found in $PATH`
 * there); some answer exit code 126 or 127 as a shell would.
 */
export function isMissingProgram(outcome: ExecOutcome): boolean {
  if (outcome.kind === 'success') return false;
  if (outcome.kind === 'exit')
    return outcome.code === 127 || outcome.code === 126 || NOT_FOUND.test(outcome.message);
  return NOT_FOUND.test(outcome.message);
}

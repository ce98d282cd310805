'use client';
// One shell in a container over kas's proxy as the user: a WebSocket speaking v5.channel.k8s.io (v4 when the cluster
// offers no v5), bash first and sh when the container has no bash. A refused upgrade tells a browser nothing (no
// status, no body), so then the same path is asked once more as a plain request, whose answer is kas's or the
// cluster's own message (the session cap, a signed-out session, a missing pod).
import { k8sErrorMessage, k8sFetch, k8sWebSocketUrl } from '../../../lib/explorer/k8s-fetch';
import {
  CHANNEL,
  closeFrame,
  EXEC_PROTOCOLS,
  isMissingProgram,
  parseStatus,
  readFrame,
  resizeFrame,
  stdinFrame,
  type ExecOutcome,
} from './channel';

export const SHELLS = ['bash', 'sh'] as const;

export interface ExecTarget {
  agentId: number;
  namespace: string;
  pod: string;
  container: string;
}

export type SessionEnd =
  | { kind: 'exited'; shell: string; outcome: ExecOutcome }
  | { kind: 'no-shell'; tried: string[]; message: string }
  | { kind: 'refused'; message: string }
  | { kind: 'closed'; shell: string; message: string };

export interface SessionCallbacks {
  output(bytes: Uint8Array): void;
  /** The shell that started (bash, or sh after bash was missing). */
  started(shell: string, protocol: string): void;
  ended(end: SessionEnd): void;
}

export interface ExecSession {
  send(data: string | Uint8Array): void;
  resize(cols: number, rows: number): void;
  close(): void;
}

export function execPath(target: ExecTarget, shell: string): `/${string}` {
  const query = new URLSearchParams({ container: target.container, command: shell });
  for (const stream of ['stdin', 'stdout', 'stderr', 'tty']) query.set(stream, 'true');
  return `/api/v1/namespaces/${encodeURIComponent(target.namespace)}/pods/${encodeURIComponent(target.pod)}/exec?${query}`;
}

/** Why the socket was refused or dropped, in kas's or the cluster's words. */
async function whyClosed(target: ExecTarget, shell: string): Promise<string | null> {
  try {
    const response = await k8sFetch(target.agentId, execPath(target, shell));
    // 400 "Upgrade request required": the path itself is fine; the socket broke for another reason.
    if (response.ok || response.status === 400) return null;
    return await k8sErrorMessage(response);
  } catch {
    return null;
  }
}

export function openExecSession(
  target: ExecTarget,
  size: { cols: number; rows: number },
  callbacks: SessionCallbacks,
): ExecSession {
  let socket: WebSocket | null = null;
  let closedByUs = false;
  let current = size;
  const tried: string[] = [];

  const attempt = (index: number) => {
    const shell = SHELLS[index]!;
    tried.push(shell);
    const ws = new WebSocket(k8sWebSocketUrl(target.agentId, execPath(target, shell)), [...EXEC_PROTOCOLS]);
    ws.binaryType = 'arraybuffer';
    socket = ws;
    let opened = false;
    let sawOutput = false;
    let outcome: ExecOutcome | null = null;
    const statusText = new TextDecoder();
    let status = '';

    ws.onopen = () => {
      opened = true;
      ws.send(resizeFrame(current.cols, current.rows));
    };
    ws.onmessage = (event: MessageEvent<ArrayBuffer>) => {
      const frame = readFrame(event.data);
      if (!frame) return;
      if (frame.channel === CHANNEL.stdout || frame.channel === CHANNEL.stderr) {
        // The server opens every channel with an empty message (apimachinery's wsstream): that is no sign the shell
        // started, and counting it would keep a missing bash from falling back to sh.
        if (frame.payload.length === 0) return;
        if (!sawOutput) {
          sawOutput = true;
          callbacks.started(shell, ws.protocol);
        }
        callbacks.output(frame.payload);
      } else if (frame.channel === CHANNEL.status) {
        status += statusText.decode(frame.payload, { stream: true });
        outcome = parseStatus(status);
      }
    };
    ws.onclose = (event) => {
      if (socket !== ws || closedByUs) return;
      const done = outcome;
      if (done && !sawOutput && isMissingProgram(done)) {
        if (index + 1 < SHELLS.length) return attempt(index + 1);
        callbacks.ended({ kind: 'no-shell', tried, message: done.kind === 'success' ? '' : done.message });
        return;
      }
      if (done) {
        callbacks.ended({ kind: 'exited', shell, outcome: done });
        return;
      }
      void whyClosed(target, shell).then((message) => {
        if (closedByUs) return;
        if (!opened)
          callbacks.ended({
            kind: 'refused',
            message:
              message ?? `the cluster refused the terminal (WebSocket closed with code ${event.code}); retry`,
          });
        else
          callbacks.ended({
            kind: 'closed',
            shell,
            message:
              message ??
              `the connection closed (WebSocket code ${event.code}); reconnect to start a new shell`,
          });
      });
    };
  };
  attempt(0);

  const sendFrame = (bytes: Uint8Array) => {
    if (socket?.readyState === WebSocket.OPEN) socket.send(bytes);
  };
  return {
    send: (data) => sendFrame(stdinFrame(data)),
    resize(cols, rows) {
      current = { cols, rows };
      sendFrame(resizeFrame(cols, rows));
    },
    close() {
      closedByUs = true;
      const ws = socket;
      if (!ws) return;
      if (ws.readyState === WebSocket.OPEN && ws.protocol === EXEC_PROTOCOLS[0])
        ws.send(closeFrame(CHANNEL.stdin));
      ws.close();
    },
  };
}

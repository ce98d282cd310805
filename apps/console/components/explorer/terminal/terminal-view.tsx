'use client';
// xterm.js over an exec session. xterm and its fit addon are loaded when a terminal opens (a dynamic import), so no
// other page downloads them; their stylesheet comes with this file, which only the terminal page imports.
import '@xterm/xterm/css/xterm.css';

import type { FitAddon } from '@xterm/addon-fit';
import type { ITheme, Terminal } from '@xterm/xterm';
import { Button, ErrorBanner, Notice } from '@mooring/ui';
import { useEffect, useRef, useState } from 'react';

import { openExecSession, SHELLS, type ExecTarget, type SessionEnd } from './exec-session';

const LIGHT: ITheme = {
  background: '#ffffff',
  foreground: '#18181b',
  cursor: '#0369a1',
  selectionBackground: '#bae6fd',
};
const DARK: ITheme = {
  background: '#09090b',
  foreground: '#e4e4e7',
  cursor: '#38bdf8',
  selectionBackground: '#075985',
};

type State =
  | { phase: 'connecting' }
  | { phase: 'open'; shell: string; fellBack: boolean }
  | { phase: 'ended'; end: SessionEnd };

function endMessage(end: SessionEnd, target: ExecTarget): { title: string; message: string; error: boolean } {
  switch (end.kind) {
    case 'exited':
      return {
        title: `The ${end.shell} session ended`,
        message:
          end.outcome.kind === 'success'
            ? 'The shell exited. Reconnect to start a new one.'
            : end.outcome.kind === 'exit'
              ? `The shell exited with code ${end.outcome.code}. Reconnect to start a new one.`
              : `The cluster ended it: ${end.outcome.message}`,
        error: end.outcome.kind === 'failure',
      };
    case 'no-shell':
      return {
        title: `The container ${target.container} has no shell`,
        message:
          `Tried ${end.tried.join(', then ')}; the container has neither (the cluster said: ${end.message || 'program not found'}). ` +
          'Images built FROM scratch or distroless ones have no shell: debug it with an ephemeral container ' +
          `(kubectl debug -it -n ${target.namespace} ${target.pod} --image=busybox --target=${target.container}) or pick another container.`,
        error: true,
      };
    case 'refused':
      return { title: 'The terminal could not open', message: end.message, error: true };
    case 'closed':
      return { title: `The ${end.shell} session was cut off`, message: end.message, error: true };
  }
}

export function TerminalView({ target }: { target: ExecTarget }) {
  const host = useRef<HTMLDivElement>(null);
  const term = useRef<Terminal | null>(null);
  const [state, setState] = useState<State>({ phase: 'connecting' });
  const [attempt, setAttempt] = useState(0);
  const [clipboardNote, setClipboardNote] = useState<string | null>(null);

  useEffect(() => {
    let disposed = false;
    let cleanup = () => {};
    setState({ phase: 'connecting' });
    void (async () => {
      const [{ Terminal }, { FitAddon }] = await Promise.all([
        import('@xterm/xterm'),
        import('@xterm/addon-fit'),
      ]);
      if (disposed || !host.current) return;
      const dark = window.matchMedia('(prefers-color-scheme: dark)');
      const terminal = new Terminal({
        cursorBlink: true,
        fontFamily: 'ui-monospace, SFMono-Regular, Menlo, Consolas, monospace',
        fontSize: 13,
        scrollback: 5000,
        theme: dark.matches ? DARK : LIGHT,
      });
      const fit: FitAddon = new FitAddon();
      terminal.loadAddon(fit);
      terminal.open(host.current);
      fit.fit();
      term.current = terminal;
      const onScheme = () => (terminal.options.theme = dark.matches ? DARK : LIGHT);
      dark.addEventListener('change', onScheme);

      const session = openExecSession(
        target,
        { cols: terminal.cols, rows: terminal.rows },
        {
          output: (bytes) => terminal.write(bytes),
          started: (shell) => setState({ phase: 'open', shell, fellBack: shell !== SHELLS[0] }),
          ended: (end) => setState({ phase: 'ended', end }),
        },
      );
      // Ctrl+Shift+C / Ctrl+Shift+V copy and paste, as in a desktop terminal (Ctrl+C stays the shell's interrupt).
      terminal.attachCustomKeyEventHandler((event) => {
        if (event.type !== 'keydown' || !event.ctrlKey || !event.shiftKey) return true;
        const key = event.key.toLowerCase();
        if (key === 'c') {
          void copySelection(terminal, setClipboardNote);
          return false;
        }
        if (key === 'v') {
          void pasteInto(terminal, setClipboardNote);
          return false;
        }
        return true;
      });
      const input = terminal.onData((data) => session.send(data));
      const binary = terminal.onBinary((data) => session.send(Uint8Array.from(data, (c) => c.charCodeAt(0))));
      const resized = terminal.onResize(({ cols, rows }) => session.resize(cols, rows));
      const observer = new ResizeObserver(() => fit.fit());
      observer.observe(host.current);
      terminal.focus();
      cleanup = () => {
        observer.disconnect();
        input.dispose();
        binary.dispose();
        resized.dispose();
        dark.removeEventListener('change', onScheme);
        session.close();
        terminal.dispose();
        term.current = null;
      };
    })();
    return () => {
      disposed = true;
      cleanup();
    };
  }, [target.agentId, target.namespace, target.pod, target.container, attempt]);

  const ended = state.phase === 'ended' ? endMessage(state.end, target) : null;
  return (
    <div className="space-y-3">
      <div className="flex flex-wrap items-center gap-2 text-sm" aria-live="polite">
        {state.phase === 'connecting' ? (
          <span className="text-zinc-600 dark:text-zinc-400">Connecting to {target.container}…</span>
        ) : state.phase === 'open' ? (
          <span className="text-zinc-700 dark:text-zinc-300" data-testid="terminal-shell">
            {state.shell} in {target.container}
            {state.fellBack ? ` (the container has no ${SHELLS[0]}; using ${state.shell})` : ''}
          </span>
        ) : null}
        <span className="grow" />
        <Button onClick={() => term.current && void copySelection(term.current, setClipboardNote)}>
          Copy selection
        </Button>
        <Button onClick={() => term.current && void pasteInto(term.current, setClipboardNote)}>Paste</Button>
        {state.phase === 'ended' ? (
          <Button variant="primary" onClick={() => setAttempt((n) => n + 1)}>
            Reconnect
          </Button>
        ) : null}
      </div>
      {clipboardNote ? <Notice>{clipboardNote}</Notice> : null}
      {ended ? (
        ended.error ? (
          <ErrorBanner title={ended.title} message={ended.message} />
        ) : (
          <Notice>
            <span className="font-medium">{ended.title}.</span> {ended.message}
          </Notice>
        )
      ) : null}
      <div
        ref={host}
        role="application"
        aria-label={`Terminal in container ${target.container} of pod ${target.pod}`}
        data-testid="terminal"
        className="h-[60dvh] min-h-64 w-full overflow-hidden rounded border border-zinc-300 bg-white p-1 dark:border-zinc-700 dark:bg-zinc-950"
      />
      <p className="text-xs text-zinc-600 dark:text-zinc-400">
        Ctrl+Shift+C copies the selection, Ctrl+Shift+V pastes; Ctrl+C interrupts the running command.
      </p>
    </div>
  );
}

async function copySelection(terminal: Terminal, note: (text: string | null) => void): Promise<void> {
  const text = terminal.getSelection();
  if (!text) return note('Select text in the terminal first, then copy.');
  try {
    await navigator.clipboard.writeText(text);
    note(null);
  } catch {
    note('The browser did not allow copying; use your browser’s copy command on the selection instead.');
  }
}

async function pasteInto(terminal: Terminal, note: (text: string | null) => void): Promise<void> {
  try {
    terminal.paste(await navigator.clipboard.readText());
    note(null);
    terminal.focus();
  } catch {
    note(
      'The browser did not allow reading the clipboard; allow clipboard access for this site, or paste with your browser’s paste command.',
    );
  }
}

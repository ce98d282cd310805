import { spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readdirSync, readFileSync } from 'node:fs';
import { open } from 'node:fs/promises';

/** One control-plane component running in its own process group, its output in a log file. */
export interface SupervisedProcess {
  component: string;
  pid: number;
  logPath: string;
  /** Set when the process has exited (only known for processes this Node process started). */
  exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
}

export interface StartProcessOptions {
  component: string;
  command: string;
  args: string[];
  logPath: string;
  env?: NodeJS.ProcessEnv;
  /** Let the process outlive this Node process (used by `pnpm kube:up`). */
  outliveParent?: boolean;
}

/**
 * Starts a component as the leader of a new process group, so stopping it also stops everything it
 * spawned (kwok runs `kubectl exec` commands and port-forward helpers as its children).
 */
export function startProcess(options: StartProcessOptions): SupervisedProcess {
  const fd = openSync(options.logPath, 'a');
  try {
    const child = spawn(options.command, options.args, {
      detached: true,
      stdio: ['ignore', fd, fd],
      env: options.env ?? process.env,
    });
    if (child.pid === undefined) {
      throw new Error(
        `kube-dev: could not start ${options.component} (${options.command}); is the binary present?`,
      );
    }
    const supervised: SupervisedProcess = {
      component: options.component,
      pid: child.pid,
      logPath: options.logPath,
      exit: undefined,
    };
    child.on('exit', (code, signal) => (supervised.exit = { code, signal }));
    child.on('error', () => (supervised.exit ??= { code: null, signal: null }));
    if (options.outliveParent) child.unref();
    return supervised;
  } finally {
    closeSync(fd);
  }
}

/** Last lines of a component's log, for error messages. */
export async function lastLogLines(path: string, lines = 20): Promise<string> {
  if (!existsSync(path)) return '(no log file)';
  const handle = await open(path, 'r');
  try {
    const { size } = await handle.stat();
    const length = Math.min(size, 16_384);
    const buffer = Buffer.alloc(length);
    await handle.read(buffer, 0, length, size - length);
    const text = buffer.toString('utf8').split('\n').filter(Boolean).slice(-lines).join('\n');
    return text || '(log is empty)';
  } finally {
    await handle.close();
  }
}

/**
 * Live (non-zombie) members of a process group. Reads /proc because an orphaned group's exited
 * members can linger as zombies when PID 1 does not reap, and kill(-pgid, 0) counts zombies.
 */
export function liveGroupMembers(pgid: number): number[] {
  if (!existsSync('/proc/self/stat')) {
    try {
      process.kill(-pgid, 0);
      return [pgid];
    } catch {
      return [];
    }
  }
  const members: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue;
    }
    // Fields after the parenthesised command name: state ppid pgrp ...
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (Number(fields[2]) !== pgid) continue;
    if (fields[0] !== 'Z' || threadsStillExiting(entry)) members.push(Number(entry));
  }
  return members;
}

/**
 * A multi-threaded process's leader turns zombie before its other threads have exited, and its
 * sockets stay open until the last thread is gone.
 */
function threadsStillExiting(pid: string): boolean {
  try {
    return readdirSync(`/proc/${pid}/task`).length > 1;
  } catch {
    return false;
  }
}

function signalGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    // Already gone.
  }
}

/** SIGTERM each group, wait up to `graceMs` for it to empty, then SIGKILL what is left. */
export async function stopProcessGroups(pgids: number[], graceMs = 5_000): Promise<void> {
  for (const pgid of pgids) signalGroup(pgid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline && pgids.some((pgid) => liveGroupMembers(pgid).length > 0)) {
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  for (const pgid of pgids) if (liveGroupMembers(pgid).length > 0) signalGroup(pgid, 'SIGKILL');
  const killDeadline = Date.now() + 5_000;
  while (Date.now() < killDeadline && pgids.some((pgid) => liveGroupMembers(pgid).length > 0)) {
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** For exit handlers, where nothing asynchronous runs any more. */
export function killProcessGroupsSync(pgids: number[]): void {
  for (const pgid of pgids) signalGroup(pgid, 'SIGKILL');
}

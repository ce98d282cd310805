// CPU time of processes from /proc/<pid>/stat, for the tunnel benchmarks' "tunnel CPU per request" figures
// (bench/tunnel/pure.ts, bench/peers).
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

export interface ProcStat {
  pid: number;
  state: string;
  /** User and system CPU of the whole process (every thread), in clock ticks. */
  utime: number;
  stime: number;
}

/**
 * Parses one /proc/<pid>/stat line. The command name sits in parentheses and may itself hold spaces and ')', so
 * the fields are counted from the last ')'. Fields after it: state(3) ppid pgrp session tty tpgid flags minflt
 * cminflt majflt cmajflt utime(14) stime(15), numbered as in proc(5).
 */
export function parseProcStat(text: string): ProcStat {
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  if (open < 1 || close < open) throw new Error(`not a /proc/<pid>/stat line: ${text.slice(0, 80)}`);
  const pid = Number(text.slice(0, open).trim());
  const fields = text
    .slice(close + 1)
    .trim()
    .split(/\s+/);
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  if (!Number.isInteger(pid) || !fields[0] || !Number.isInteger(utime) || !Number.isInteger(stime))
    throw new Error(`not a /proc/<pid>/stat line: ${text.slice(0, 80)}`);
  return { pid, state: fields[0], utime, stime };
}

/** Clock ticks per second (`getconf CLK_TCK`; 100 on every Linux we run on, used if getconf is missing). */
export function clockTicksPerSecond(): number {
  try {
    const n = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
    return Number.isInteger(n) && n > 0 ? n : 100;
  } catch {
    return 100;
  }
}

/** utime+stime of each pid, in seconds. A process that is gone is an error: its CPU would silently drop out. */
export function cpuSeconds(pids: readonly number[], ticksPerSecond: number): number[] {
  return pids.map((pid) => {
    const stat = parseProcStat(readFileSync(`/proc/${pid}/stat`, 'utf8'));
    if (stat.state === 'Z') throw new Error(`process ${pid} exited during the benchmark`);
    return (stat.utime + stat.stime) / ticksPerSecond;
  });
}

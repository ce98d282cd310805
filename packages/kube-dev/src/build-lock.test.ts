import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { acquireBuildLock } from './build-lock';

describe('acquireBuildLock', () => {
  it('takes a free lock, writes its pid, and releases it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kube-lock-'));
    const release = await acquireBuildLock(dir, () => undefined);
    expect(readFileSync(join(dir, '.build.lock'), 'utf8')).toBe(String(process.pid));
    await release();
    expect(existsSync(join(dir, '.build.lock'))).toBe(false);
  });

  it('takes over a lock whose process is gone', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kube-lock-'));
    const dead = spawn(process.execPath, ['-e', '']);
    await new Promise((resolve) => dead.once('exit', resolve));
    writeFileSync(join(dir, '.build.lock'), String(dead.pid));
    const lines: string[] = [];
    const release = await acquireBuildLock(dir, (line) => lines.push(line));
    expect(lines).toEqual([]);
    await release();
  });

  it('waits while a live process holds it, saying so, and goes on once it is gone', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kube-lock-'));
    const holder = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)']);
    writeFileSync(join(dir, '.build.lock'), String(holder.pid));
    const lines: string[] = [];
    let acquired = false;
    const waiting = acquireBuildLock(dir, (line) => lines.push(line), 10).then((release) => {
      acquired = true;
      return release;
    });
    await new Promise<void>((resolve) => {
      const check = () => (lines.length > 0 ? resolve() : setTimeout(check, 5));
      check();
    });
    expect(lines[0]).toContain(`another process (pid ${holder.pid}) is building into ${dir}; waiting for it`);
    expect(acquired).toBe(false);
    holder.kill('SIGKILL');
    const release = await waiting;
    expect(readFileSync(join(dir, '.build.lock'), 'utf8')).toBe(String(process.pid));
    expect(lines.at(-1)).toMatch(/the other build finished after \d+ s/);
    await release();
  });
});

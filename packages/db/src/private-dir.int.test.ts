import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase } from './open';
import { makePrivateDir } from './private-dir';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

function modesUnder(dir: string): Map<string, number> {
  const out = new Map<string, number>();
  const pending = [dir];
  for (let current = pending.pop(); current !== undefined; current = pending.pop()) {
    const stat = fs.lstatSync(current);
    out.set(path.relative(dir, current) || '.', stat.mode & 0o777);
    if (stat.isDirectory())
      for (const name of fs.readdirSync(current)) pending.push(path.join(current, name));
  }
  return out;
}

describe('private data directory', () => {
  it('creates PGlite files 0600 and directories 0700 even under a permissive umask', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mooring-private-'));
    dirs.push(dir);
    const previous = process.umask(0); // the parent commit created pg_control 0666 like this
    try {
      const db = await openDatabase({ dataDir: path.join(dir, 'data') });
      await db.close();
    } finally {
      process.umask(previous | 0o077);
    }
    const modes = modesUnder(path.join(dir, 'data'));
    expect(modes.size).toBeGreaterThan(50);
    expect(modes.get('pglite/global/pg_control')).toBe(0o600);
    const open = [...modes].filter(([, mode]) => (mode & 0o077) !== 0);
    expect(open).toEqual([]);
  });

  it('tightens files and directories left open by an earlier run, and counts them', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mooring-private-'));
    dirs.push(dir);
    fs.mkdirSync(path.join(dir, 'sub'));
    fs.chmodSync(path.join(dir, 'sub'), 0o777);
    fs.writeFileSync(path.join(dir, 'sub', 'pg_control'), 'x');
    fs.chmodSync(path.join(dir, 'sub', 'pg_control'), 0o666);
    fs.writeFileSync(path.join(dir, 'already'), 'x', { mode: 0o600 });
    fs.chmodSync(dir, 0o755);
    expect(makePrivateDir(dir)).toEqual({ tightened: 3 });
    expect(modesUnder(dir)).toEqual(
      new Map([
        ['.', 0o700],
        ['sub', 0o700],
        ['sub/pg_control', 0o600],
        ['already', 0o600],
      ]),
    );
    expect(makePrivateDir(dir)).toEqual({ tightened: 0 });
  });
});

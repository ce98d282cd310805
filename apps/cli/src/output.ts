// What commands print: a table for people, `--output json` for scripts (one JSON document on stdout).
import type { Writable } from 'node:stream';

export interface Io {
  stdout: Writable;
  stderr: Writable;
}

export function printJson(io: Io, value: unknown): void {
  io.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** Columns padded to the widest cell; an empty list prints `empty` instead (to stderr, so stdout stays clean). */
export function printTable(io: Io, header: string[], rows: string[][], empty: string): void {
  if (rows.length === 0) {
    io.stderr.write(`${empty}\n`);
    return;
  }
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  io.stdout.write(`${[line(header), ...rows.map(line)].join('\n')}\n`);
}

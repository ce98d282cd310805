// The peers benchmark's one table: per repetition each path is compared with the direct path of the same
// repetition, then every cell shows the median and [min–max] of those comparisons over the repetitions.
import { percentile } from '../tunnel/stats';

export const paths = ['direct', 'mooring', 'remotedialer'] as const;
export type PathName = (typeof paths)[number];

export interface PathFigures {
  /** Negotiated protocol reported by the load client, e.g. HTTP/1.1 or HTTP/2.0. */
  proto: string;
  p50Us: number;
  p99Us: number;
  rps: number;
  /** CPU µs per request of the path's tunnel processes (for direct: kube-apiserver, as a reference). */
  cpuUsPerRequest: number;
  /** The same split by process, e.g. { kas: 500, agentk: 300 }. */
  cpuParts: Record<string, number>;
  listMiBps: number;
  logMiBps: number;
  /** Server RSS per idle connected agent, KiB (tunnel paths, when the idle-agent row ran). */
  idleRssKiB?: number;
}

export type Repetition = Record<PathName, PathFigures>;

export interface Spread {
  median: number;
  min: number;
  max: number;
}

/** Median (nearest rank, as bench/tunnel's percentiles) and range. */
export function spread(values: number[]): Spread {
  if (!values.length) throw new Error('no values to summarise');
  const sorted = [...values].sort((a, b) => a - b);
  return { median: percentile(sorted, 50), min: sorted[0]!, max: sorted[sorted.length - 1]! };
}

type Format = (n: number) => string;
const us: Format = (n) => `${Math.round(n)} µs`;
const signedUs: Format = (n) => `${n >= 0 ? '+' : '−'}${Math.abs(Math.round(n))} µs`;
const rps: Format = (n) => `${Math.round(n)} req/s`;
const mibps: Format = (n) => `${n.toFixed(1)} MiB/s`;
const percent: Format = (n) => `${Math.round(n * 100)} %`;

/** `+412 µs [380–450]`: the unit and a plus sign are printed once, on the median. */
export function formatSpread(s: Spread, format: Format): string {
  const bare = (n: number) =>
    format(n)
      .replace(/ [^ ]+$/, '')
      .replace(/^\+/, '');
  return `${format(s.median)} [${bare(s.min)}–${bare(s.max)}]`;
}

export interface TableOptions {
  listMiB: number;
  logMiB: number;
  workers: number;
  /** The load client offered h2 (`--http2`). */
  http2: boolean;
  /** Idle agents of the server-RSS row; 0 or absent: no such row. */
  idleAgents?: number;
}

interface Row {
  label: string;
  cell(reps: Repetition[], path: PathName): string;
}

/**
 * A figure the direct path shows as itself and a tunnel path as `how` against the direct path of the same
 * repetition (added µs or a share), followed by its own median.
 */
function compared(
  label: string,
  pick: (f: PathFigures) => number,
  format: Format,
  how: 'added' | 'ratio',
): Row {
  return {
    label,
    cell(reps, path) {
      const own = spread(reps.map((r) => pick(r[path])));
      if (path === 'direct') return formatSpread(own, format);
      const against = reps.map((r) =>
        how === 'added' ? pick(r[path]) - pick(r.direct) : pick(r[path]) / pick(r.direct),
      );
      return `${formatSpread(spread(against), how === 'added' ? signedUs : percent)} (${format(own.median)})`;
    },
  };
}

/** The negotiated protocol per path; with `--http2`, a path that stayed on HTTP/1.1 says so. */
function protocolRow(http2: boolean): Row {
  return {
    label: 'protocol',
    cell(reps, path) {
      const seen = [...new Set(reps.map((r) => r[path].proto))];
      const text = seen.join(', ');
      return http2 && seen.every((p) => p === 'HTTP/1.1') ? `h1 only (${text})` : text;
    },
  };
}

/** CPU per request: the total, then the median split by process. */
const cpuRow: Row = {
  label: 'CPU per request: tunnel processes (direct: kube-apiserver)',
  cell(reps, path) {
    const total = formatSpread(spread(reps.map((r) => r[path].cpuUsPerRequest)), us);
    const parts = Object.keys(reps[0]![path].cpuParts);
    if (parts.length < 2) return total;
    const split = parts.map(
      (p) => `${p} ${Math.round(spread(reps.map((r) => r[path].cpuParts[p]!)).median)}`,
    );
    return `${total} (${split.join(' + ')})`;
  },
};

const kib: Format = (n) => `${n.toFixed(1)} KiB`;

/** Server RSS per idle agent: the tunnel's own figure (the direct path has no server to hold agents). */
function idleRow(agents: number): Row {
  return {
    label: `server RSS per idle agent (${agents} agents, TLS)`,
    cell(reps, path) {
      const values = reps.map((r) => r[path].idleRssKiB).filter((v): v is number => v !== undefined);
      return path === 'direct' || !values.length ? '–' : formatSpread(spread(values), kib);
    },
  };
}

function rows(o: TableOptions): Row[] {
  return [
    protocolRow(o.http2),
    compared('small GET p50 (added)', (f) => f.p50Us, us, 'added'),
    compared('small GET p99 (added)', (f) => f.p99Us, us, 'added'),
    compared(`${o.workers} concurrent GETs, req/s (% of direct)`, (f) => f.rps, rps, 'ratio'),
    cpuRow,
    compared(`ConfigMap LIST ~${o.listMiB} MiB, MiB/s (% of direct)`, (f) => f.listMiBps, mibps, 'ratio'),
    compared(`pod log ${o.logMiB} MiB, MiB/s (% of direct)`, (f) => f.logMiBps, mibps, 'ratio'),
    ...(o.idleAgents ? [idleRow(o.idleAgents)] : []),
  ];
}

const headers: Record<PathName, string> = {
  direct: 'direct',
  mooring: 'Mooring (kas + agentk)',
  remotedialer: 'remotedialer v0.6.2',
};

export function buildTable(reps: Repetition[], options: TableOptions): string {
  if (!reps.length) throw new Error('no repetitions to tabulate');
  const head = [`metric (median [min–max] of ${reps.length} reps)`, ...paths.map((p) => headers[p])];
  return markdownTable(
    head,
    rows(options).map((row) => [row.label, ...paths.map((p) => row.cell(reps, p))]),
  );
}

export function markdownTable(head: string[], rows: string[][]): string {
  const all = [head, ...rows];
  const widths = head.map((_, i) => Math.max(...all.map((r) => [...(r[i] ?? '')].length)));
  const line = (r: string[]) =>
    `| ${r.map((c, i) => c + ' '.repeat(widths[i]! - [...c].length)).join(' | ')} |`;
  return [line(head), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.map(line)].join('\n');
}

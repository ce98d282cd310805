// Small helpers for the tunnel benchmark: percentiles and the printed table.
export function percentile(sorted: number[], p: number): number {
  if (!sorted.length) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i]!;
}

export function summarize(samples: number[]): { p50: number; p99: number } {
  const sorted = [...samples].sort((a, b) => a - b);
  return { p50: percentile(sorted, 50), p99: percentile(sorted, 99) };
}

export interface Row {
  metric: string;
  direct: string;
  proxy: string;
  ratio: string;
  goal: string;
}

export function printTable(rows: Row[]): void {
  const headers: Row = {
    metric: 'metric',
    direct: 'direct',
    proxy: 'through kas',
    ratio: 'ratio / added',
    goal: 'goal',
  };
  const all = [headers, ...rows];
  const width = (k: keyof Row) => Math.max(...all.map((r) => r[k].length));
  const line = (r: Row) =>
    (['metric', 'direct', 'proxy', 'ratio', 'goal'] as const).map((k) => r[k].padEnd(width(k))).join(' | ');
  console.log(line(headers));
  console.log(
    (['metric', 'direct', 'proxy', 'ratio', 'goal'] as const).map((k) => '-'.repeat(width(k))).join('-|-'),
  );
  for (const r of rows) console.log(line(r));
}

export const fmt = {
  ms: (n: number) => `${n.toFixed(2)} ms`,
  mibs: (n: number) => `${n.toFixed(1)} MiB/s`,
  rps: (n: number) => `${Math.round(n)} req/s`,
  kib: (n: number) => `${n.toFixed(1)} KiB`,
};

// A small line diff (Myers' O(ND) algorithm) for comparing two config versions. No dependency.
// The work is bounded by construction, whatever the input: lines are interned to numbers once
// (linear), the common prefix and suffix are trimmed (linear), and the search for the shortest
// edit script stops after `maxEdits` edits or `maxSteps` steps. Past either bound the answer is
// still a correct diff (the differing middle removed and added whole), marked `exact: false`, so
// the caller can say the versions are too different for a line-by-line comparison. Memory is the
// trace of the search: one window of 2d+1 numbers per edit d, so at most (maxEdits + 1)² numbers.

export interface DiffLine {
  op: ' ' | '-' | '+';
  text: string;
  /** 1-based line in the old text (for ' ' and '-'). */
  oldLine?: number;
  /** 1-based line in the new text (for ' ' and '+'). */
  newLine?: number;
}

export interface DiffLimits {
  /** Stop searching for a shortest edit script after this many inserted/removed lines. */
  maxEdits: number;
  /** Stop after this many steps (one diagonal visited or one line pair compared). */
  maxSteps: number;
}

/** 1,000 edits keep the trace ≤ 4 MiB; 4 million steps are a few tens of milliseconds. */
export const DEFAULT_DIFF_LIMITS: DiffLimits = { maxEdits: 1_000, maxSteps: 4_000_000 };

export interface LineDiff {
  lines: DiffLine[];
  /** false: the versions differ in more than the limits allow; `lines` replaces the middle whole. */
  exact: boolean;
  /** What the search cost, for tests and callers that want to see the bound hold. */
  work: { steps: number; traceCells: number };
}

function splitLines(text: string): string[] {
  if (text === '') return [];
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}

/** Equal lines get equal numbers, so the search compares numbers instead of strings. */
function intern(a: string[], b: string[]): [Int32Array, Int32Array] {
  const ids = new Map<string, number>();
  const toIds = (lines: string[]) => {
    const out = new Int32Array(lines.length);
    for (let i = 0; i < lines.length; i++) {
      let id = ids.get(lines[i]!);
      if (id === undefined) ids.set(lines[i]!, (id = ids.size));
      out[i] = id;
    }
    return out;
  };
  return [toIds(a), toIds(b)];
}

type Edit = ' ' | '-' | '+';

/**
 * Shortest edit script of a[0..n) → b[0..m) as ops in order, or null when it needs more than the
 * limits allow. `work` is updated as the search goes.
 */
function shortestEdits(
  a: Int32Array,
  b: Int32Array,
  limits: DiffLimits,
  work: { steps: number; traceCells: number },
): Edit[] | null {
  const n = a.length;
  const m = b.length;
  const maxD = Math.min(n + m, limits.maxEdits);
  const offset = maxD + 1;
  const v = new Int32Array(2 * maxD + 3);
  // trace[d][k + d] = furthest x on diagonal k after d edits.
  const trace: Int32Array[] = [];
  let found = -1;
  search: for (let d = 0; d <= maxD; d++) {
    for (let k = -d; k <= d; k += 2) {
      let x: number;
      if (k === -d || (k !== d && v[offset + k - 1]! < v[offset + k + 1]!)) x = v[offset + k + 1]!;
      else x = v[offset + k - 1]! + 1;
      let y = x - k;
      work.steps++;
      while (x < n && y < m && a[x] === b[y]) {
        x++;
        y++;
        work.steps++;
      }
      v[offset + k] = x;
      if (work.steps > limits.maxSteps) return null;
      if (x >= n && y >= m) {
        trace.push(v.slice(offset - d, offset + d + 1));
        work.traceCells += 2 * d + 1;
        found = d;
        break search;
      }
    }
    trace.push(v.slice(offset - d, offset + d + 1));
    work.traceCells += 2 * d + 1;
  }
  if (found < 0) return null;
  // Walk the trace backwards: at each d, which neighbour diagonal did the path come from?
  const ops: Edit[] = [];
  let x = n;
  let y = m;
  for (let d = found; d > 0; d--) {
    const prev = trace[d - 1]!;
    const at = (k: number) => prev[k + d - 1]!;
    const k = x - y;
    const prevK = k === -d || (k !== d && at(k - 1) < at(k + 1)) ? k + 1 : k - 1;
    const prevX = at(prevK);
    const prevY = prevX - prevK;
    while (x > prevX && y > prevY) {
      ops.push(' ');
      x--;
      y--;
    }
    ops.push(x === prevX ? '+' : '-');
    x = prevX;
    y = prevY;
  }
  while (x > 0 && y > 0) {
    ops.push(' ');
    x--;
    y--;
  }
  return ops.reverse();
}

export function diffLines(oldText: string, newText: string, limits = DEFAULT_DIFF_LIMITS): LineDiff {
  const a = splitLines(oldText);
  const b = splitLines(newText);
  const [ia, ib] = intern(a, b);
  let prefix = 0;
  while (prefix < ia.length && prefix < ib.length && ia[prefix] === ib[prefix]) prefix++;
  let suffix = 0;
  while (
    suffix < ia.length - prefix &&
    suffix < ib.length - prefix &&
    ia[ia.length - 1 - suffix] === ib[ib.length - 1 - suffix]
  )
    suffix++;
  const midA = ia.subarray(prefix, ia.length - suffix);
  const midB = ib.subarray(prefix, ib.length - suffix);
  const work = { steps: prefix + suffix, traceCells: 0 };
  const middle = shortestEdits(midA, midB, limits, work);
  const ops: Edit[] = [
    ...Array<Edit>(prefix).fill(' '),
    ...(middle ?? [...Array<Edit>(midA.length).fill('-'), ...Array<Edit>(midB.length).fill('+')]),
    ...Array<Edit>(suffix).fill(' '),
  ];
  const lines: DiffLine[] = [];
  let x = 0;
  let y = 0;
  for (const op of ops) {
    if (op === ' ') lines.push({ op, text: a[x++]!, oldLine: x, newLine: ++y });
    else if (op === '-') lines.push({ op, text: a[x++]!, oldLine: x });
    else lines.push({ op, text: b[y++]!, newLine: y });
  }
  return { lines, exact: middle !== null, work };
}

/** `diff -u`-style text with 3 lines of context. */
export function unifiedDiff(lines: DiffLine[], oldName: string, newName: string, context = 3): string {
  if (!lines.some((l) => l.op !== ' ')) return '';
  const out = [`--- ${oldName}`, `+++ ${newName}`];
  const changed = lines.map((l, i) => (l.op !== ' ' ? i : -1)).filter((i) => i >= 0);
  let i = 0;
  while (i < changed.length) {
    let start = Math.max(0, changed[i]! - context);
    let end = Math.min(lines.length, changed[i]! + context + 1);
    while (i + 1 < changed.length && changed[i + 1]! - context <= end) {
      i++;
      end = Math.min(lines.length, changed[i]! + context + 1);
    }
    const hunk = lines.slice(start, end);
    const oldStart = hunk.find((l) => l.oldLine !== undefined)?.oldLine ?? 0;
    const newStart = hunk.find((l) => l.newLine !== undefined)?.newLine ?? 0;
    const oldCount = hunk.filter((l) => l.op !== '+').length;
    const newCount = hunk.filter((l) => l.op !== '-').length;
    out.push(`@@ -${oldStart},${oldCount} +${newStart},${newCount} @@`);
    for (const l of hunk) out.push(`${l.op}${l.text}`);
    i++;
    start = end;
  }
  return `${out.join('\n')}\n`;
}

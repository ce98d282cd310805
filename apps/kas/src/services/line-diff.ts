// A small line diff (Myers' O(ND) algorithm) for comparing two config versions. No dependency:
// configs are at most 128 KiB, and D (the number of changed lines) is what the cost scales with.

export interface DiffLine {
  op: ' ' | '-' | '+';
  text: string;
  /** 1-based line in the old text (for ' ' and '-'). */
  oldLine?: number;
  /** 1-based line in the new text (for ' ' and '+'). */
  newLine?: number;
}

function splitLines(text: string): string[] {
  if (text === '') return [];
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}

export function diffLines(oldText: string, newText: string): DiffLine[] {
  const a = splitLines(oldText);
  const b = splitLines(newText);
  const n = a.length;
  const m = b.length;
  const max = n + m;
  const offset = max + 1;
  const v = new Int32Array(2 * max + 3);
  const trace: Int32Array[] = [];
  let done = false;
  for (let d = 0; d <= max && !done; d++) {
    trace.push(v.slice());
    for (let k = -d; k <= d; k += 2) {
      let x: number;
      if (k === -d || (k !== d && v[offset + k - 1]! < v[offset + k + 1]!)) x = v[offset + k + 1]!;
      else x = v[offset + k - 1]! + 1;
      let y = x - k;
      while (x < n && y < m && a[x] === b[y]) {
        x++;
        y++;
      }
      v[offset + k] = x;
      if (x >= n && y >= m) {
        done = true;
        break;
      }
    }
  }
  // Walk the trace backwards to recover the edit script.
  const out: DiffLine[] = [];
  let x = n;
  let y = m;
  for (let d = trace.length - 1; d >= 0; d--) {
    const vd = trace[d]!;
    const k = x - y;
    let prevK: number;
    if (k === -d || (k !== d && vd[offset + k - 1]! < vd[offset + k + 1]!)) prevK = k + 1;
    else prevK = k - 1;
    const prevX = d === 0 ? 0 : vd[offset + prevK]!;
    const prevY = prevX - prevK;
    while (x > prevX && y > prevY) {
      out.push({ op: ' ', text: a[x - 1]!, oldLine: x, newLine: y });
      x--;
      y--;
    }
    if (d > 0) {
      if (x === prevX) out.push({ op: '+', text: b[y - 1]!, newLine: y });
      else out.push({ op: '-', text: a[x - 1]!, oldLine: x });
    }
    x = prevX;
    y = prevY;
  }
  return out.reverse();
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

// Reads deploy/docker/*.Dockerfile for their test (no container engine runs here): instructions by stage, the
// exec-form arrays, and a layout of the final image in a directory, made from the COPY and RUN lines, that its
// ENTRYPOINT can run in with plain node. Only what our Dockerfiles use is understood; anything else is an error.
import { chmodSync, chownSync, cpSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

export interface Instruction {
  keyword: string;
  args: string;
  line: number;
}

export interface Stage {
  from: string;
  name: string | undefined;
  instructions: Instruction[];
}

/** Stages in order, each with its instructions (comments dropped, `\` continuations joined). */
export function parseDockerfile(text: string): Stage[] {
  const stages: Stage[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const start = i + 1;
    let joined = lines[i]!.trim();
    if (joined === '' || joined.startsWith('#')) continue;
    while (joined.endsWith('\\') && i + 1 < lines.length) {
      joined = `${joined.slice(0, -1).trimEnd()} ${lines[++i]!.trim()}`;
    }
    const match = /^(\S+)\s*(.*)$/.exec(joined)!;
    const instruction = { keyword: match[1]!.toUpperCase(), args: match[2]!.trim(), line: start };
    if (instruction.keyword === 'FROM') {
      const [from, as, name] = instruction.args.split(/\s+/);
      if (as !== undefined && as.toUpperCase() !== 'AS')
        throw new Error(`line ${start}: FROM <image> [AS <name>]`);
      stages.push({ from: from!, name, instructions: [] });
    } else if (stages.length === 0) {
      if (instruction.keyword !== 'ARG') throw new Error(`line ${start}: ${instruction.keyword} before FROM`);
    } else stages.at(-1)!.instructions.push(instruction);
  }
  return stages;
}

/** The JSON array of an exec-form instruction (ENTRYPOINT, CMD, VOLUME, HEALTHCHECK's CMD). */
export function execForm(args: string): string[] {
  const parsed: unknown = JSON.parse(args);
  if (!Array.isArray(parsed) || !parsed.every((p) => typeof p === 'string'))
    throw new Error(`expected a JSON array of strings (exec form), got ${args}`);
  return parsed;
}

/** KEY=value pairs of ENV, LABEL or ARG (values may be double-quoted). */
export function pairs(args: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of args.matchAll(/([A-Za-z0-9_.-]+)=("(?:[^"\\]|\\.)*"|\S*)/g))
    out[m[1]!] = m[2]!.startsWith('"') ? (JSON.parse(m[2]!) as string) : m[2]!;
  return out;
}

export interface Copy {
  from: string | undefined;
  sources: string[];
  dest: string;
  line: number;
}

export function copies(stage: Stage): Copy[] {
  return stage.instructions
    .filter((i) => i.keyword === 'COPY')
    .map((i) => {
      const words = i.args.split(/\s+/);
      let from: string | undefined;
      while (words[0]?.startsWith('--')) {
        const flag = words.shift()!;
        if (flag.startsWith('--from=')) from = flag.slice('--from='.length);
        else throw new Error(`line ${i.line}: COPY ${flag} is not understood by this test`);
      }
      if (words.length < 2) throw new Error(`line ${i.line}: COPY <source>... <dest>`);
      return { from, sources: words.slice(0, -1), dest: words.at(-1)!, line: i.line };
    });
}

/** Whether `.dockerignore` drops `relPath`; only the pattern forms ours uses: a path, and `**` then a name or `*.ext`. */
export function dockerIgnored(patterns: string[], relPath: string): boolean {
  const parts = relPath.split('/');
  return patterns.some((pattern) => {
    if (pattern.startsWith('**/')) {
      const tail = pattern.slice(3);
      if (tail.startsWith('*.')) return parts.some((p) => p.endsWith(tail.slice(1)));
      return parts.includes(tail);
    }
    return relPath === pattern || relPath.startsWith(`${pattern}/`);
  });
}

export function readDockerignore(file: string): string[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'));
}

/**
 * Lays the final stage out under `root` as the image would hold it: each COPY (`resolveSource` maps a COPY source,
 * with its --from stage, to a path here) and the RUN lines, which may only `mkdir -p`, `chown` and `chmod`.
 */
export function layOutImage(
  stage: Stage,
  root: string,
  resolveSource: (copy: Copy, source: string) => string,
): void {
  const inImage = (p: string) => path.join(root, p);
  for (const i of stage.instructions) {
    if (i.keyword === 'COPY') {
      const copy = copies({ ...stage, instructions: [i] })[0]!;
      for (const source of copy.sources) {
        const from = resolveSource(copy, source);
        if (!existsSync(from))
          throw new Error(`line ${i.line}: COPY source ${source} (${from}) does not exist`);
        const dest =
          copy.dest.endsWith('/') && !source.endsWith('/')
            ? path.join(copy.dest, path.basename(source))
            : copy.dest;
        mkdirSync(path.dirname(inImage(dest)), { recursive: true });
        cpSync(from, inImage(dest), { recursive: true, verbatimSymlinks: true });
      }
    } else if (i.keyword === 'RUN') {
      for (const command of i.args.split('&&').map((c) => c.trim().split(/\s+/))) {
        const [name, ...rest] = command;
        if (name === 'mkdir' && rest[0] === '-p')
          for (const d of rest.slice(1)) mkdirSync(inImage(d), { recursive: true });
        else if (name === 'chown' && rest.length >= 2) {
          const [uid, gid] = rest[0]!.split(':').map(Number);
          for (const d of rest.slice(1)) chownSync(inImage(d), uid!, gid ?? uid!);
        } else if (name === 'chmod' && rest.length >= 2)
          for (const d of rest.slice(1)) chmodSync(inImage(d), parseInt(rest[0]!, 8));
        else
          throw new Error(
            `line ${i.line}: RUN ${command.join(' ')}: the final stage may only mkdir -p, chown, chmod`,
          );
      }
    }
  }
}

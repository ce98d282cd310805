// The agentk Helm chart kas serves at GET /api/v1/charts/agentk-<version>.tgz (docs/helm.md), so `helm install`
// works without a clone of the repository: the chart directory (MOORING_AGENTK_CHART_DIR) packed as a .tgz with the
// top directory `agentk/`, as `helm package` lays it out. Packed once, on the first request, and kept; bounded in
// files and bytes, since the directory is the operator's but a mistake (a data dir pointed at) must not cost memory.
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { createTar, type TarFileItem } from 'nanotar';
import { parse } from 'yaml';

/** At most this many files and bytes (before compression) are packed; the chart is a few dozen kB. */
export const chartLimits = { files: 200, bytes: 4 * 1024 * 1024 } as const;

export type ChartAnswer =
  { kind: 'chart'; fileName: string; body: Buffer } | { kind: 'not_found'; message: string };

export interface AgentkChartServer {
  /** Answers one request for `fileName` (`agentk-0.1.0.tgz`). */
  get(fileName: string): Promise<ChartAnswer>;
}

/** The chart's version from its Chart.yaml, or why there is none. */
async function chartVersion(dir: string): Promise<{ version: string } | { problem: string }> {
  let text: string;
  try {
    text = await readFile(path.join(dir, 'Chart.yaml'), 'utf8');
  } catch {
    return {
      problem: `this kas has no agentk chart: ${path.join(dir, 'Chart.yaml')} is missing; set MOORING_AGENTK_CHART_DIR to the chart directory (deploy/charts/agentk in the repository, /app/charts/agentk in the kas image)`,
    };
  }
  const doc = parse(text) as { name?: unknown; version?: unknown } | null;
  if (doc?.name !== 'agentk' || typeof doc.version !== 'string' || !/^\d+\.\d+\.\d+$/.test(doc.version))
    return {
      problem: `${path.join(dir, 'Chart.yaml')} is not the agentk chart (expected name: agentk and a version like 0.1.0); check MOORING_AGENTK_CHART_DIR`,
    };
  return { version: doc.version };
}

/** Every regular file under `dir` (relative, sorted), without packed charts (*.tgz) and dot files but .helmignore. */
async function chartFiles(dir: string, base = ''): Promise<string[]> {
  const out: string[] = [];
  for (const entry of (await readdir(path.join(dir, base), { withFileTypes: true })).sort((a, b) =>
    a.name.localeCompare(b.name),
  )) {
    const rel = base ? `${base}/${entry.name}` : entry.name;
    if (entry.name.startsWith('.') && entry.name !== '.helmignore') continue;
    if (entry.isDirectory()) out.push(...(await chartFiles(dir, rel)));
    else if (entry.isFile() && !entry.name.endsWith('.tgz')) out.push(rel);
    if (out.length > chartLimits.files)
      throw new Error(`the chart directory ${dir} has more than ${chartLimits.files} files`);
  }
  return out;
}

/** The chart directory as `helm package` would pack it: a gzipped tar whose entries start with `agentk/`. */
export async function packChart(dir: string): Promise<Buffer> {
  const items: TarFileItem[] = [];
  let bytes = 0;
  for (const rel of await chartFiles(dir)) {
    const file = path.join(dir, rel);
    const info = await stat(file);
    bytes += info.size;
    if (bytes > chartLimits.bytes)
      throw new Error(`the chart directory ${dir} holds more than ${chartLimits.bytes} bytes`);
    const name = `agentk/${rel}`;
    // Plain ustar names: nanotar writes no long-name extension.
    if (Buffer.byteLength(name) > 100) throw new Error(`chart file name too long for the archive: ${name}`);
    items.push({
      name,
      data: await readFile(file),
      attrs: { mode: '644', mtime: info.mtimeMs, uid: 0, gid: 0 },
    });
  }
  return gzipSync(createTar(items));
}

export function createAgentkChartServer(dir: string): AgentkChartServer {
  let packed: Promise<{ fileName: string; body: Buffer } | { problem: string }> | undefined;
  const load = async () => {
    const found = await chartVersion(dir);
    if ('problem' in found) return found;
    return { fileName: `agentk-${found.version}.tgz`, body: await packChart(dir) };
  };
  return {
    async get(fileName) {
      // A missing chart is looked for again next time (the operator may fix the setting's directory).
      packed ??= load().then((result) => {
        if ('problem' in result) packed = undefined;
        return result;
      });
      const chart = await packed.catch((error: unknown) => {
        packed = undefined;
        throw error;
      });
      if ('problem' in chart) return { kind: 'not_found', message: chart.problem };
      if (fileName !== chart.fileName)
        return {
          kind: 'not_found',
          message: `this kas serves the agentk chart ${chart.fileName} only (its version); ${fileName.slice(0, 100)} is not here`,
        };
      return { kind: 'chart', ...chart };
    },
  };
}

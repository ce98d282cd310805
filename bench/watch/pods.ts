// Many cheap pods for the watch benchmark: created straight onto kwok nodes (spec.nodeName set, so the scheduler has
// nothing to do and kwok marks them Running), in bounded parallel batches, and deleted again afterwards.
import https from 'node:https';
import { httpsRequest } from '../tunnel/bench-http';

export interface PodTarget {
  /** https://127.0.0.1:<port> of kube-apiserver. */
  server: string;
  ca: string;
  /** A token that may create and delete pods (the cluster's admin). */
  token: string;
}

export interface CreatePodsOptions {
  namespace: string;
  /** Names are `<prefix>-<index>`, index from `from` to `from + count − 1`. */
  prefix: string;
  from?: number;
  count: number;
  nodeNames: readonly string[];
  /** Requests in flight at once (default 24). */
  concurrency?: number;
  labels?: Record<string, string>;
  log?: (line: string) => void;
}

/** At most this many pods per call: the benchmark's sizes, with room; more is a typo. */
const maxPodsPerCall = 100_000;
/** Tries per pod on 429 / 5xx / no answer (kube-apiserver's priority and fairness may push back under load). */
const maxTries = 5;
/** A create that has no answer by then is abandoned and tried again. */
const requestTimeoutMs = 30_000;

/** POST `body`; status 0 when kube-apiserver did not answer within requestTimeoutMs. */
function post(
  url: string,
  agent: https.Agent,
  token: string,
  body: string,
): Promise<{ status: number; text: string }> {
  return new Promise((resolve) => {
    const req = https.request(
      url,
      {
        method: 'POST',
        agent,
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
        res.on('error', (error) => resolve({ status: 0, text: error.message }));
      },
    );
    req.setTimeout(requestTimeoutMs, () => req.destroy(new Error(`no answer in ${requestTimeoutMs} ms`)));
    req.on('error', (error) => resolve({ status: 0, text: error.message }));
    req.end(body);
  });
}

export function podManifest(name: string, nodeName: string, labels: Record<string, string>): string {
  return JSON.stringify({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, labels },
    spec: {
      nodeName,
      containers: [{ name: 'c', image: 'registry.invalid/bench:1' }],
      terminationGracePeriodSeconds: 0,
    },
  });
}

/** Creates `count` pods; resolves once kube-apiserver accepted every one (kwok makes them Running shortly after). */
export async function createPods(target: PodTarget, options: CreatePodsOptions): Promise<void> {
  const { namespace, prefix, count, nodeNames } = options;
  const from = options.from ?? 0;
  if (!Number.isInteger(count) || count < 0 || count > maxPodsPerCall)
    throw new Error(`createPods: count must be an integer from 0 to ${maxPodsPerCall}, got ${count}`);
  if (nodeNames.length === 0) throw new Error('createPods: no kwok node to put the pods on');
  const concurrency = Math.max(1, Math.min(options.concurrency ?? 24, 64));
  const agent = new https.Agent({ keepAlive: true, maxSockets: concurrency, ca: target.ca });
  const url = `${target.server}/api/v1/namespaces/${namespace}/pods`;
  const labels = options.labels ?? {};
  let next = 0;
  let created = 0;
  const started = performance.now();
  try {
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next < count) {
          const index = from + next++;
          const body = podManifest(`${prefix}-${index}`, nodeNames[index % nodeNames.length]!, labels);
          for (let attempt = 1; ; attempt++) {
            const r = await post(url, agent, target.token, body);
            // 409: an earlier try that timed out was created after all.
            if (r.status === 201 || r.status === 409) break;
            if (attempt >= maxTries || (r.status !== 0 && r.status !== 429 && r.status < 500))
              throw new Error(
                `creating pod ${prefix}-${index} answered ${r.status || 'nothing'}: ${r.text.slice(0, 200)}`,
              );
            await new Promise((resolve) => setTimeout(resolve, 200 * attempt));
          }
          if (++created % 5000 === 0)
            options.log?.(
              `${created} of ${count} pods created (${((performance.now() - started) / 1000).toFixed(0)} s)`,
            );
        }
      }),
    );
  } finally {
    agent.destroy();
  }
}

/**
 * Deletes `namespace` and with it every pod the run created. One deletecollection of tens of thousands of pods outlasts
 * kube-apiserver's request timeout; the namespace controller deletes them in the background instead.
 */
export async function deletePodNamespace(target: PodTarget, namespace: string): Promise<void> {
  const url = `${target.server}/api/v1/namespaces/${namespace}?gracePeriodSeconds=0`;
  const r = await httpsRequest(url, { ca: target.ca, authorization: `Bearer ${target.token}` }, 'DELETE');
  if (r.status !== 200 && r.status !== 202)
    throw new Error(
      `deleting namespace ${namespace} answered ${r.status}: ${r.body.toString().slice(0, 200)}`,
    );
}

// The load of the drain tests: kubectl-style GETs through a proxy port, each worker one request after the other,
// some over HTTP/1.1 keep-alive (one pool, a connection per worker, as client-go without HTTP/2) and some over a few
// shared HTTP/2 connections (as kubectl). A request the server provably did not process (HTTP/2 REFUSED_STREAM, an
// HTTP/1.1 kept connection closed before any answer) is sent again once on a new connection, as client-go does, and
// counted. Every result is kept for the test to judge.
import http2 from 'node:http2';
import https from 'node:https';

export interface DrainLoadOptions {
  /** e.g. https://127.0.0.1:41234 */
  origin: string;
  /** e.g. /k8s-proxy/api/v1/namespaces/default */
  path: string;
  headers: Record<string, string>;
  caPem: string;
  h1Workers: number;
  h2Connections: number;
  workersPerH2Connection: number;
  /** Whether an answer is the expected one. */
  isOk(status: number | undefined, body: string): boolean;
  /** Each worker's requests once finish() was called. Default 3. */
  requestsAfterFinish?: number;
  /** Bounds each worker's loop whatever happens. Default 2,000. */
  maxRequestsPerWorker?: number;
}

export interface DrainLoadResult {
  worker: string;
  ok: boolean;
  detail: string;
  startedAt: number;
  ms: number;
}

export interface DrainLoad {
  readonly results: DrainLoadResult[];
  /** The requests sent again after the server did not process them, with why. */
  readonly retried: string[];
  /** When the drain began (performance.now()), for the messages; Infinity until set. */
  sigtermAt: number;
  /** HTTP/2 GOAWAY frames the shared connections received. */
  goaways(): number;
  /** HTTP/2 connections that failed, with whether they had connected (for the messages). */
  readonly sessionErrors: string[];
  /** Each worker makes `requestsAfterFinish` more requests and stops; resolves once all have, connections closed. */
  finish(): Promise<void>;
}

/** The server did not process the request (so the client may send it again). */
class NotProcessed extends Error {}

interface Answer {
  status: number | undefined;
  body: string;
}

export function startDrainLoad(o: DrainLoadOptions): DrainLoad {
  const requestsAfterFinish = o.requestsAfterFinish ?? 3;
  const maxRequests = o.maxRequestsPerWorker ?? 2_000;
  const h1Agent = new https.Agent({ keepAlive: true, maxSockets: o.h1Workers, ca: o.caPem });
  const getH1 = () =>
    new Promise<Answer>((resolve, reject) => {
      let gotResponse = false;
      const req = https.get(`${o.origin}${o.path}`, { agent: h1Agent, headers: o.headers }, (res) => {
        gotResponse = true;
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode, body }));
        res.on('error', reject);
      });
      req.on('error', (error) =>
        // Sent on a kept connection the server closed meanwhile, with no answer: never processed.
        reject(
          req.reusedSocket && !gotResponse
            ? new NotProcessed(`h1 reused connection: ${error.message}`)
            : error,
        ),
      );
    });
  // One connection shared by its requests; a connection that got GOAWAY takes no new request, the next one opens
  // a new connection.
  let goaways = 0;
  const h2Session = () => {
    let session: http2.ClientHttp2Session | null = null;
    const current = () => {
      if (!session || session.closed || session.destroyed) {
        const s = http2.connect(o.origin, { ca: o.caPem });
        const openedAt = performance.now();
        s.on('error', (error) =>
          sessionErrors.push(
            `${error.message} ${s.connecting ? 'before the TLS handshake ended' : 'once connected'} (opened ${afterSigterm(openedAt)})`,
          ),
        );
        s.on('goaway', () => {
          goaways++;
          if (session === s) session = null;
        });
        session = s;
      }
      return session;
    };
    return {
      close: () => session?.close(),
      get: () =>
        new Promise<Answer>((resolve, reject) => {
          const stream = current().request({ ':path': o.path, ...o.headers });
          let status: number | undefined;
          let body = '';
          stream.setEncoding('utf8');
          stream.on('response', (h) => (status = h[':status']));
          stream.on('data', (c: string) => (body += c));
          stream.on('end', () => resolve({ status, body }));
          stream.on('error', (error) =>
            reject(
              stream.rstCode === http2.constants.NGHTTP2_REFUSED_STREAM
                ? new NotProcessed(`h2 ${error.message}`)
                : error,
            ),
          );
          stream.on('close', () => {
            if (status === undefined)
              reject(new Error(`the stream closed without a response (RST_STREAM code ${stream.rstCode})`));
          });
        }),
    };
  };
  const sessionErrors: string[] = [];
  const h2 = Array.from({ length: o.h2Connections }, h2Session);

  const results: DrainLoadResult[] = [];
  const retried: string[] = [];
  let finishAt: number | null = null;
  const load: DrainLoad = {
    results,
    retried,
    sessionErrors,
    sigtermAt: Infinity,
    goaways: () => goaways,
    async finish() {
      finishAt = performance.now();
      await Promise.all(workers);
      h1Agent.destroy();
      for (const s of h2) s.close();
    },
  };
  const afterSigterm = (at: number) => `${Math.round(at - load.sigtermAt)} ms after SIGTERM`;
  const worker = async (name: string, get: () => Promise<Answer>) => {
    let afterFinish = 0;
    for (let i = 0; i < maxRequests && afterFinish < requestsAfterFinish; i++) {
      const startedAt = performance.now();
      try {
        const r = await get().catch((error: unknown) => {
          if (!(error instanceof NotProcessed)) throw error;
          retried.push(`${name}: ${error.message} (${afterSigterm(startedAt)})`);
          return get();
        });
        const ok = o.isOk(r.status, r.body);
        results.push({
          worker: name,
          ok,
          detail: ok ? '' : `${r.status} ${r.body.slice(0, 300)}`,
          startedAt,
          ms: performance.now() - startedAt,
        });
      } catch (error) {
        results.push({
          worker: name,
          ok: false,
          detail: `${String(error)} (started ${afterSigterm(startedAt)})`,
          startedAt,
          ms: performance.now() - startedAt,
        });
      }
      if (finishAt !== null && startedAt >= finishAt) afterFinish++;
    }
  };
  const workers: Promise<void>[] = [];
  for (let i = 0; i < o.h1Workers; i++) workers.push(worker(`h1-${i}`, getH1));
  for (const [c, session] of h2.entries())
    for (let i = 0; i < o.workersPerH2Connection; i++) workers.push(worker(`h2-${c}-${i}`, session.get));
  return load;
}

/** The p-th percentile (0–1) of the results' durations, rounded to ms. */
export function durationPercentile(results: readonly DrainLoadResult[], p: number): number {
  const sorted = results.map((r) => r.ms).sort((x, y) => x - y);
  return Math.round(sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? 0);
}

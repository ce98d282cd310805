// One HTTPS request with an Authorization header, read whole: the tunnel benchmarks' setup calls and small
// measurements (bench/tunnel, bench/peers).
import https from 'node:https';

export interface HttpsTarget {
  /** A keep-alive agent (measurements), or just the CA to trust (one-off calls). */
  agent?: https.Agent;
  ca?: string;
  authorization: string;
}

export function httpsRequest(
  url: string,
  target: HttpsTarget,
  method = 'GET',
  body?: string,
): Promise<{ status: number; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = https.request(
      url,
      {
        method,
        agent: target.agent,
        ca: target.ca,
        headers: { authorization: target.authorization, 'content-type': 'application/json' },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

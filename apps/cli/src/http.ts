// One HTTP(S) request to kas with the CA the user gave (besides the system roots), a time limit and a bounded answer;
// every way of not reaching kas becomes one message that names the fix.
import http from 'node:http';
import https from 'node:https';
import { rootCertificates } from 'node:tls';
import { CliError, exitCodes } from './errors';

/** kas's answers are small (a kubeconfig is a few KiB); anything larger is not kas. */
export const MAX_ANSWER_BYTES = 8 * 1024 * 1024;
export const REQUEST_TIMEOUT_MS = 30_000;

export interface HttpAnswer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

export interface HttpRequest {
  method: string;
  url: URL;
  headers?: Record<string, string>;
  body?: string;
  ca?: string | undefined;
  timeoutMs?: number;
}

const TLS_TRUST_CODES = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_UNTRUSTED',
  'CERT_SIGNATURE_FAILURE',
]);

/** Words for a failure to talk to kas at all. */
export function explainRequestFailure(err: NodeJS.ErrnoException, url: URL, hasCa: boolean): CliError {
  const where = url.origin;
  const code = err.code ?? '';
  if (TLS_TRUST_CODES.has(code))
    return new CliError(
      `kas at ${where} presented a certificate this machine does not trust (${code}): ${
        hasCa
          ? 'the CA given with --ca-file did not sign it; check the file'
          : "pass --ca-file with kas's CA (PEM); mooring login --ca-file stores it for later commands"
      }`,
      exitCodes.unreachable,
    );
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID')
    return new CliError(
      `kas's certificate does not name ${url.hostname} (${err.message}): use the host name the certificate was made for in the kas URL`,
      exitCodes.unreachable,
    );
  if (code === 'EPROTO' || /wrong version number|packet length too long/i.test(err.message))
    return new CliError(
      `${where} does not speak TLS (${err.message}): try http:// instead of https:// in the kas URL`,
      exitCodes.unreachable,
    );
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN')
    return new CliError(
      `cannot resolve ${url.hostname} (${code}): check the host name in the kas URL (--kas-url, MOORING_KAS_URL or mooring login)`,
      exitCodes.unreachable,
    );
  if (code === 'ECONNREFUSED' || code === 'ECONNRESET' || code === 'EHOSTUNREACH' || code === 'ENETUNREACH')
    return new CliError(
      `cannot reach kas at ${where} (${code}): is kas running there, and is the URL its console API address (default port 8153)? Check --kas-url, MOORING_KAS_URL or run mooring login`,
      exitCodes.unreachable,
    );
  if (code === 'ETIMEDOUT')
    return new CliError(
      `kas at ${where} did not answer within ${REQUEST_TIMEOUT_MS / 1000} s: check the URL and that nothing blocks the connection`,
      exitCodes.unreachable,
    );
  return new CliError(`request to kas at ${where} failed: ${err.message}`, exitCodes.unreachable);
}

export function httpRequest(request: HttpRequest): Promise<HttpAnswer> {
  const { url } = request;
  const timeoutMs = request.timeoutMs ?? REQUEST_TIMEOUT_MS;
  const options: https.RequestOptions = {
    method: request.method,
    headers: {
      accept: 'application/json',
      ...(request.body !== undefined
        ? { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(request.body)) }
        : {}),
      ...request.headers,
    },
    ...(url.protocol === 'https:' && request.ca ? { ca: [...rootCertificates, request.ca] } : {}),
  };
  const transport = url.protocol === 'https:' ? https : http;
  return new Promise<HttpAnswer>((resolve, reject) => {
    const req = transport.request(url, options, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > MAX_ANSWER_BYTES) {
          req.destroy();
          reject(
            new CliError(
              `${url.origin} answered more than ${MAX_ANSWER_BYTES / 1024 / 1024} MiB: is the URL kas's console API address?`,
            ),
          );
          return;
        }
        chunks.push(chunk);
      });
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          body: Buffer.concat(chunks).toString('utf8'),
        }),
      );
      res.on('error', (err) => reject(explainRequestFailure(err, url, request.ca !== undefined)));
    });
    req.setTimeout(timeoutMs, () => {
      req.destroy(Object.assign(new Error('timed out'), { code: 'ETIMEDOUT' }));
    });
    req.on('error', (err: NodeJS.ErrnoException) => {
      reject(err instanceof CliError ? err : explainRequestFailure(err, url, request.ca !== undefined));
    });
    req.end(request.body);
  });
}

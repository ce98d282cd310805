import { request as httpsRequest } from 'node:https';
import { request as httpRequest } from 'node:http';
import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';

/** A currently free loopback port (bind to 0, read it, close). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

/** `count` distinct free ports. */
export async function freePorts(count: number): Promise<number[]> {
  const ports = new Set<number>();
  while (ports.size < count) ports.add(await freePort());
  return [...ports];
}

export interface HttpResult {
  status: number;
  body: string;
}

/** GET over http or https (verifying against `ca` when given), never throwing on a status code. */
export function httpGet(
  url: string,
  options: { ca?: string; token?: string; timeoutMs?: number } = {},
): Promise<HttpResult> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = options.token ? { authorization: `Bearer ${options.token}` } : {};
    const request = (url.startsWith('https:') ? httpsRequest : httpRequest)(
      url,
      {
        method: 'GET',
        headers,
        ...(options.ca ? { ca: options.ca } : {}),
        timeout: options.timeoutMs ?? 5_000,
      },
      (response) => {
        let body = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (body += chunk));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
        response.on('error', reject);
      },
    );
    request.on('timeout', () => request.destroy(new Error(`GET ${url} timed out`)));
    request.on('error', reject);
    request.end();
  });
}

/**
 * Ports in LISTEN state on this machine, from /proc/net/tcp{,6}. Unlike a connect probe this
 * cannot be fooled by TCP self-connect or by another process's outgoing connection.
 */
export function listeningPorts(): Set<number> | undefined {
  const files = ['/proc/net/tcp', '/proc/net/tcp6'].filter((file) => existsSync(file));
  if (files.length === 0) return undefined;
  const ports = new Set<number>();
  for (const file of files) {
    for (const line of readFileSync(file, 'utf8').split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/);
      if (fields[3] !== '0A') continue; // 0A = TCP_LISTEN
      ports.add(parseInt(fields[1]!.split(':')[1]!, 16));
    }
  }
  return ports;
}

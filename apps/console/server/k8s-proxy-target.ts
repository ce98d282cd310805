// `/api/k8s-proxy/<agent id>/<Kubernetes API path>?<query>` as the browser sends it, checked and bounded, and the
// same request line for kas's proxy (`<proxy prefix>/<Kubernetes API path>?<query>`), encoding kept as sent.
import { z } from 'zod';

export const CONSOLE_PREFIX = '/api/k8s-proxy/';
/** Longer request targets are refused: Kubernetes paths and selectors are far shorter; kas bounds headers too. */
export const MAX_TARGET_LENGTH = 8 * 1024;

const agentId = z
  .string()
  .regex(/^[1-9][0-9]{0,15}$/, 'the agent id must be a positive integer')
  .transform(Number)
  .refine(Number.isSafeInteger, 'the agent id must be a positive integer');

export interface ProxyTarget {
  agentId: number;
  /** Path and query under the proxy's prefix, e.g. /api/v1/namespaces?watch=true */
  rest: string;
}

/** Thrown for a request target the console will not forward; the message says what a valid one looks like. */
export class ProxyTargetError extends Error {
  override readonly name = 'ProxyTargetError';
}

/** True when a request target (path and query, as sent) is meant for the Kubernetes proxy route. */
export function isProxyTarget(target: string): boolean {
  return target.startsWith(CONSOLE_PREFIX) || target === CONSOLE_PREFIX.slice(0, -1);
}

export function parseProxyTarget(target: string): ProxyTarget {
  if (target.length > MAX_TARGET_LENGTH)
    throw new ProxyTargetError(
      `the request target is ${target.length} bytes; the console forwards at most ${MAX_TARGET_LENGTH} to the Kubernetes API proxy`,
    );
  if (!target.startsWith(CONSOLE_PREFIX))
    throw new ProxyTargetError(`name the agent: ${CONSOLE_PREFIX}<agent id>/<Kubernetes API path>`);
  const after = target.slice(CONSOLE_PREFIX.length);
  const end = after.search(/[/?]/);
  const idText = end === -1 ? after : after.slice(0, end);
  const parsed = agentId.safeParse(idText);
  if (!parsed.success)
    throw new ProxyTargetError(
      `${CONSOLE_PREFIX}<agent id>/…: the agent id must be a positive integer, got "${idText.slice(0, 32)}"`,
    );
  let rest = end === -1 ? '/' : after.slice(end);
  if (rest.startsWith('?')) rest = `/${rest}`;
  // `..` would leave the proxy's prefix once kas's URL parser resolves it.
  const path = rest.split('?')[0]!;
  if (/(^|\/)(\.|%2e){2}(\/|$)/i.test(path))
    throw new ProxyTargetError('the Kubernetes API path may not contain ".." segments');
  return { agentId: parsed.data, rest };
}

/** The request target on kas's proxy for the same request. */
export function upstreamTarget(proxyUrl: URL, rest: string): string {
  return `${proxyUrl.pathname.replace(/\/+$/, '')}${rest}`;
}

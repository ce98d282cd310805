// Explains in words why a connection (agentk → kas, and kas → a receptive agentk; later the console) failed, with
// the fix: gRPC's own text ("14 UNAVAILABLE: No connection established. Last error: …") names neither. And a log
// that says it once: several clients on one channel fail for the same reason at the same moment.
import { GrpcStatus, grpcStatusName } from './grpc-status';

/** Every kind, a closed set (metrics label it; the console words it). */
export const CONNECTION_FAILURE_KINDS = [
  'dns',
  'refused',
  'tls_name',
  'unknown_ca',
  'certificate_expired',
  'tls_mismatch',
  'token_rejected',
  'handshake_refused',
  'wrong_agent',
  'address_denied',
  'deadline',
  'unreachable',
  'other',
] as const;
export type ConnectionFailureKind = (typeof CONNECTION_FAILURE_KINDS)[number];

export interface ConnectionFailure {
  kind: ConnectionFailureKind;
  /** What is wrong, e.g. "nothing accepts connections at 127.0.0.1:8150". */
  problem: string;
  /** What to do about it. */
  fix: string;
  /** `<what> failed: <problem>; <fix>` — one log line. */
  message: string;
}

export interface ConnectionTarget {
  /** As the user configured it, e.g. grpcs://kas.example:8150. */
  address: string;
  /** Whom we tried to reach; default "kas". */
  name?: string;
  /** The flags or settings that fix each problem, to name them. */
  flags?: { address?: string; caFile?: string; serverName?: string; token?: string };
  /** The port the address should name, for a refused connection; default "its agent port (default 8150)". */
  port?: string;
}

interface ErrorLike {
  code?: number | string;
  details?: string;
  message?: string;
}

/** A failure its thrower already understood (the peer refused our handshake; a token of another agent). */
export class ExplainedConnectionError extends Error {
  override readonly name = 'ExplainedConnectionError';
  constructor(
    readonly kind: ConnectionFailureKind,
    readonly problem: string,
    readonly fix: string,
  ) {
    super(`${problem}; ${fix}`);
  }
}

/** Explains `error` (a gRPC ServiceError or a Node system error) for a user. */
export function explainConnectionFailure(error: unknown, target: ConnectionTarget): ConnectionFailure {
  const name = target.name ?? 'kas';
  if (error instanceof ExplainedConnectionError)
    return {
      kind: error.kind,
      problem: error.problem,
      fix: error.fix,
      message: `cannot connect to ${name} at ${target.address}: ${error.problem}; ${error.fix}`,
    };
  const flags = {
    address: target.flags?.address ?? '--kas-address',
    caFile: target.flags?.caFile ?? '--ca-cert-file',
    serverName: target.flags?.serverName ?? '--kas-tls-server-name',
    token: target.flags?.token ?? '--token-file',
  };
  const e = (typeof error === 'object' && error !== null ? error : { message: String(error) }) as ErrorLike;
  const text = `${typeof e.code === 'string' ? e.code : ''} ${e.details ?? ''} ${e.message ?? ''}`;
  const grpcCode = typeof e.code === 'number' ? e.code : undefined;
  const host = hostOf(target.address);
  const make = (kind: ConnectionFailureKind, problem: string, fix: string): ConnectionFailure => ({
    kind,
    problem,
    fix,
    message: `cannot connect to ${name} at ${target.address}: ${problem}; ${fix}`,
  });

  if (grpcCode === GrpcStatus.UNAUTHENTICATED || grpcCode === GrpcStatus.PERMISSION_DENIED) {
    const said = (e.details || e.message || '').trim();
    return make(
      'token_rejected',
      `${name} rejected the token${said ? ` (${name} says: ${said})` : ''}`,
      `give a valid agent token (${flags.token}): create a new one for this agent in the console and update the secret`,
    );
  }
  if (/ENOTFOUND|EAI_AGAIN|EAI_NONAME|Name resolution failed|DNS resolution failed|getaddrinfo/i.test(text)) {
    return make(
      'dns',
      `the host name ${host} does not resolve (DNS)`,
      `check the host in ${flags.address} and that this cluster's DNS can resolve it`,
    );
  }
  if (/ECONNREFUSED/.test(text)) {
    return make(
      'refused',
      `nothing accepts connections at ${host}:${portOf(target.address)} (connection refused)`,
      `check that ${name} is running and that ${flags.address} names ${target.port ?? 'its agent port (default 8150)'}`,
    );
  }
  if (/ERR_TLS_CERT_ALTNAME_INVALID|does not match certificate's altnames/i.test(text)) {
    const names = /altnames: (.*?)(?:\.\s*Resolution note|$)/s.exec(text)?.[1]?.trim();
    return make(
      'tls_name',
      `${name}'s TLS certificate is not valid for the name ${host}${names ? ` (it names ${names.replace(/\.$/, '')})` : ''}`,
      `dial a name the certificate lists in ${flags.address}, or set ${flags.serverName} to one of them`,
    );
  }
  if (/certificate has expired|CERT_HAS_EXPIRED/i.test(text)) {
    return make(
      'certificate_expired',
      `${name}'s TLS certificate has expired`,
      `renew ${name}'s certificate (a self-signed one is renewed when ${name} restarts)`,
    );
  }
  if (
    /unable to verify the first certificate|self[- ]signed certificate|unable to get (local )?issuer certificate|UNABLE_TO_VERIFY_LEAF_SIGNATURE|DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN/i.test(
      text,
    )
  ) {
    return make(
      'unknown_ca',
      `${name}'s TLS certificate is signed by a CA this side does not trust`,
      `give ${name}'s CA certificate with ${flags.caFile} (download it from the agent's Connect a cluster tab in the console; on kas's machine it is <data dir>/tls/agent-api/ca.crt)`,
    );
  }
  if (/wrong version number|packet length too long|http\/0\.9|unexpected eof while reading/i.test(text)) {
    return make(
      'tls_mismatch',
      `${name} at ${host}:${portOf(target.address)} does not speak TLS`,
      `use grpc:// for a plaintext kas, or point ${flags.address} at kas's TLS port`,
    );
  }
  if (grpcCode === GrpcStatus.DEADLINE_EXCEEDED || /Waiting for LB pick|Deadline exceeded/i.test(text)) {
    return make(
      'deadline',
      `no connection to ${name} within the deadline (the channel is still trying to connect)`,
      `check ${flags.address}, that ${name} is running, and that network policies and firewalls let this pod reach it; ` +
        'an earlier line from this log names the cause when it is known',
    );
  }
  if (
    grpcCode === GrpcStatus.UNAVAILABLE ||
    /ECONNRESET|EPIPE|ETIMEDOUT|EHOSTUNREACH|ENETUNREACH/.test(text)
  ) {
    return make(
      'unreachable',
      `${name} is unreachable (${conciseCause(e, grpcCode)})`,
      `check that ${name} is running and reachable from this pod at ${flags.address}; it may be restarting`,
    );
  }
  return make(
    'other',
    conciseCause(e, grpcCode),
    `if this persists, run with --log-level debug and check ${name}'s log for the same moment`,
  );
}

function conciseCause(e: ErrorLike, grpcCode: number | undefined): string {
  const detail = (e.details || e.message || 'unknown error')
    .replace(/^No connection established\. Last error: /, '')
    .replace(/\.? Resolution note: ?.*$/s, '')
    .trim();
  return grpcCode !== undefined ? `${grpcStatusName(grpcCode)}: ${detail}` : detail;
}

function hostOf(address: string): string {
  try {
    return new URL(address).hostname.replace(/^\[|\]$/g, '');
  } catch {
    return address;
  }
}

function portOf(address: string): string {
  try {
    const url = new URL(address);
    return url.port || (url.protocol === 'grpcs:' ? '443' : '80');
  } catch {
    return '?';
  }
}

interface WarnLog {
  warn(obj: object, msg: string): void;
  debug(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
}

/** What the agent-side modules report connection failures to (a ConnectionFailureLog shared per channel). */
export interface ConnectionFailureReporter {
  report(error: unknown, source: string, fields?: object): unknown;
  connected(): void;
}

/**
 * One line per problem: the first failure of a kind is logged as a warning with its explanation; the same kind again
 * (from any client sharing this log) only at debug level, until `connected()` — then the next failure warns again.
 */
export class ConnectionFailureLog implements ConnectionFailureReporter {
  private last: ConnectionFailureKind | null = null;

  constructor(
    private readonly logger: WarnLog,
    private readonly target: ConnectionTarget,
  ) {}

  /** Logs `error` from `source` (e.g. "tunnel", "registrar"); returns the explanation. */
  report(error: unknown, source: string, fields: object = {}): ConnectionFailure {
    const failure = explainConnectionFailure(error, this.target);
    const details = {
      ...fields,
      source,
      failure: failure.kind,
      err: conciseCause(error as ErrorLike, undefined),
    };
    if (failure.kind === this.last) this.logger.debug(details, failure.message);
    else this.logger.warn(details, failure.message);
    this.last = failure.kind;
    return failure;
  }

  /** A call succeeded: the connection works again. */
  connected(): void {
    if (this.last !== null) this.logger.info({}, `connected to ${this.target.name ?? 'kas'} again`);
    this.last = null;
  }
}

// Authenticates every call on the agent listener by its `authorization: Bearer <agent token>` metadata.
import { type Metadata, status } from '@grpc/grpc-js';

export interface AgentIdentity {
  agentId: number;
  tokenId: number;
  projectId: number;
}

/** Answer of the token verifier. `fromCache` (when the verifier knows it) feeds the auth cache metric. */
export type VerifiedAgent = AgentIdentity & { fromCache?: boolean };

/** Resolves an agent token to its agent, or null when the token is unknown or revoked. Must be cached by the caller. */
export type VerifyAgentToken = (token: string) => Promise<VerifiedAgent | null>;

/** Subscribes to token revocations; returns the unsubscribe function. */
export type OnTokenRevoked = (
  listener: (revoked: { tokenId: number; agentId?: number }) => void,
) => () => void;

/** A gRPC error carrying a status code and a message that names the fix. */
export class AgentCallError extends Error {
  override readonly name = 'AgentCallError';
  constructor(
    readonly code: status,
    message: string,
  ) {
    super(message);
  }
  /** The shape grpc-js expects when a handler fails. */
  toServiceError(): { code: status; details: string; message: string } {
    return { code: this.code, details: this.message, message: this.message };
  }
}

export interface AuthObserver {
  authenticated(result: 'ok' | 'denied' | 'missing' | 'error', fromCache: boolean | undefined): void;
}

const BEARER = /^Bearer\s+(\S+)\s*$/i;

export function bearerToken(metadata: Metadata): string | null {
  const values = metadata.get('authorization');
  if (values.length !== 1 || typeof values[0] !== 'string') return null;
  return BEARER.exec(values[0])?.[1] ?? null;
}

export async function authenticateAgent(
  metadata: Metadata,
  verify: VerifyAgentToken,
  observer?: AuthObserver,
): Promise<AgentIdentity> {
  const token = bearerToken(metadata);
  if (!token) {
    observer?.authenticated('missing', undefined);
    throw new AgentCallError(
      status.UNAUTHENTICATED,
      'missing agent token: every call must carry "authorization: Bearer <agent token>" metadata; ' +
        'start agentk with --token-file or MOORING_AGENT_TOKEN',
    );
  }
  let verified: VerifiedAgent | null;
  try {
    verified = await verify(token);
  } catch (error) {
    observer?.authenticated('error', undefined);
    throw new AgentCallError(
      status.UNAVAILABLE,
      `kas could not verify the agent token right now (${(error as Error).message}); agentk will retry`,
    );
  }
  if (!verified) {
    observer?.authenticated('denied', undefined);
    throw new AgentCallError(
      status.UNAUTHENTICATED,
      'agent token is not valid: it is unknown or has been revoked; create a new token for the agent ' +
        'in the console and restart agentk with it',
    );
  }
  observer?.authenticated('ok', verified.fromCache);
  return { agentId: verified.agentId, tokenId: verified.tokenId, projectId: verified.projectId };
}

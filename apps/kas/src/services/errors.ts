// Typed service errors. Messages are shown to users as-is, so each says what to do next.
// The HTTP/tRPC layers map `code` to a status (404, 403, 409, 400, 429, 401).

export type ServiceErrorCode =
  'NOT_FOUND' | 'FORBIDDEN' | 'CONFLICT' | 'VALIDATION' | 'RATE_LIMITED' | 'UNAUTHENTICATED';

export abstract class ServiceError extends Error {
  abstract readonly code: ServiceErrorCode;
}

export class NotFoundError extends ServiceError {
  readonly code = 'NOT_FOUND';
  override name = 'NotFoundError';
}

export class ForbiddenError extends ServiceError {
  readonly code = 'FORBIDDEN';
  override name = 'ForbiddenError';
}

export class ConflictError extends ServiceError {
  readonly code = 'CONFLICT';
  override name = 'ConflictError';
}

export class UnauthenticatedError extends ServiceError {
  readonly code = 'UNAUTHENTICATED';
  override name = 'UnauthenticatedError';
}

export class ValidationError extends ServiceError {
  readonly code = 'VALIDATION';
  override name = 'ValidationError';
  constructor(
    /** The input field at fault (`name`, `yaml`, `scopes[1]`). */
    readonly field: string,
    message: string,
  ) {
    super(message);
  }
}

export class RateLimitedError extends ServiceError {
  readonly code = 'RATE_LIMITED';
  override name = 'RateLimitedError';
  constructor(
    message: string,
    readonly retryAfterSeconds: number,
  ) {
    super(message);
  }
}

export function isServiceError(err: unknown): err is ServiceError {
  return err instanceof ServiceError;
}

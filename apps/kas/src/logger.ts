import { pino, type DestinationStream, type Logger } from 'pino';

export type { Logger } from 'pino';

/**
 * Paths pino blanks out wherever they appear: credentials must never reach a log line, even when a
 * caller logs a whole request or input object by mistake.
 */
export const redactedPaths = [
  'authorization',
  'cookie',
  'password',
  'token',
  'secret',
  'csrfToken',
  'sessionToken',
  '*.authorization',
  '*.cookie',
  '*.password',
  '*.newPassword',
  '*.token',
  '*.secret',
  '*.csrfToken',
  '*.sessionToken',
  '*["set-cookie"]',
  '*["x-csrf-token"]',
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-csrf-token"]',
  'res.headers["set-cookie"]',
  'headers.authorization',
  'headers.cookie',
  'headers["x-csrf-token"]',
];

export interface LoggerOptions {
  level?: string;
  /** Where JSON lines go; stdout when unset. Tests pass a stream to inspect them. */
  destination?: DestinationStream;
}

/** Structured JSON logs; each part of kas logs through `logger.child({ module })`. */
export function createLogger(options: LoggerOptions = {}): Logger {
  return pino(
    {
      level: options.level ?? 'info',
      base: { service: 'kas' },
      redact: { paths: redactedPaths, censor: '[redacted]' },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    options.destination,
  );
}

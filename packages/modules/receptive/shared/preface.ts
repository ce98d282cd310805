// The receptive handshake, between TLS and HTTP/2: kas dials agentk's receptive listener, and once TLS is up it
// writes one line `MOORING-RECEPTIVE/1 <JWT or ->[ probe]\n` (`-` with mTLS, where the client certificate is the
// proof); agentk answers `OK\n` and from then on the connection carries HTTP/2 with kas as the server — agentk's usual
// gRPC clients run over it unchanged (docs/decisions.md, "Receptive agents: kas dials, then serves"). agentk answers
// a refusal with nothing: it closes the connection and logs why, so a caller learns no detail. A `probe` (the console's
// Test connection) is answered `OK\n` and closed: it proves the handshake without replacing the link that serves.
import type { Duplex } from 'node:stream';

export const PREFACE_MAGIC = 'MOORING-RECEPTIVE/1';
export const PREFACE_OK = 'OK\n';
/** The whole preface line; a JWT of kas's is ~400 bytes. */
export const MAX_PREFACE_BYTES = 8 * 1024;
/** A peer that does not finish its line (or answer) in this time is dropped. */
export const PREFACE_TIMEOUT_MS = 10_000;

export class PrefaceError extends Error {
  override readonly name = 'PrefaceError';
}

export function prefaceLine(jwt: string | null, opts: { probe?: boolean } = {}): string {
  return `${PREFACE_MAGIC} ${jwt ?? '-'}${opts.probe ? ' probe' : ''}\n`;
}

export interface Preface {
  /** The JWT; null for `-` (mTLS). */
  jwt: string | null;
  /** Test connection: check the credential, answer, close; the serving link stays. */
  probe: boolean;
}

/** `MOORING-RECEPTIVE/1 <jwt|->[ probe]` → its parts; throws PrefaceError on anything else. */
export function parsePreface(line: string): Preface {
  const parts = line.split(' ');
  if (parts[0] !== PREFACE_MAGIC || parts.length < 2)
    throw new PrefaceError('not a Mooring receptive handshake (is something other than kas dialing?)');
  if (parts.length > 3 || (parts.length === 3 && parts[2] !== 'probe'))
    throw new PrefaceError('the handshake has words after the credential other than "probe"');
  const credential = parts[1]!;
  const probe = parts.length === 3;
  if (credential === '-') return { jwt: null, probe };
  if (!/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/.test(credential))
    throw new PrefaceError('the handshake carries something that is not a JWT');
  return { jwt: credential, probe };
}

/**
 * Reads one `\n`-terminated line (at most `maxBytes`) from `socket` and puts back whatever came after it, so the next
 * reader (HTTP/2) sees the stream from there. Rejects on a longer line, the end of the stream or `timeoutMs`.
 */
export function readLine(socket: Duplex, maxBytes: number, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let length = 0;
    const finish = (error: Error | null, line?: string) => {
      clearTimeout(timer);
      socket.off('data', onData);
      socket.off('end', onEnd);
      socket.off('close', onEnd);
      socket.off('error', onError);
      socket.pause();
      if (error) reject(error);
      else resolve(line!);
    };
    const onData = (chunk: Buffer) => {
      const newline = chunk.indexOf(0x0a);
      if (newline < 0) {
        chunks.push(chunk);
        length += chunk.length;
        if (length > maxBytes)
          finish(new PrefaceError(`the handshake line is longer than ${maxBytes} bytes`));
        return;
      }
      if (length + newline > maxBytes)
        return finish(new PrefaceError(`the handshake line is longer than ${maxBytes} bytes`));
      chunks.push(chunk.subarray(0, newline));
      const rest = chunk.subarray(newline + 1);
      finish(null, Buffer.concat(chunks).toString('utf8'));
      if (rest.length > 0) socket.unshift(rest);
    };
    const onEnd = () => finish(new PrefaceError('the connection closed during the handshake'));
    const onError = (error: Error) => finish(error);
    const timer = setTimeout(
      () => finish(new PrefaceError(`no handshake within ${timeoutMs / 1000} s`)),
      timeoutMs,
    );
    socket.on('data', onData);
    socket.once('end', onEnd);
    socket.once('close', onEnd);
    socket.once('error', onError);
    socket.resume();
  });
}

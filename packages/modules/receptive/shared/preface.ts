// The receptive handshake, between TLS and HTTP/2: kas dials agentk's receptive listener, and once TLS is up it
// writes one line `MOORING-RECEPTIVE/1 <JWT or ->\n` (`-` with mTLS, where the client certificate is the proof);
// agentk answers `OK\n` and from then on the connection carries HTTP/2 with kas as the server — agentk's usual
// gRPC clients run over it unchanged (docs/decisions.md, "Receptive agents: kas dials, then serves"). agentk answers
// a refusal with nothing: it closes the connection and logs why, so a caller learns no detail.
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

export function prefaceLine(jwt: string | null): string {
  return `${PREFACE_MAGIC} ${jwt ?? '-'}\n`;
}

/** `MOORING-RECEPTIVE/1 <jwt|->` → the JWT (null for `-`); throws PrefaceError on anything else. */
export function parsePreface(line: string): string | null {
  const space = line.indexOf(' ');
  if (space < 0 || line.slice(0, space) !== PREFACE_MAGIC)
    throw new PrefaceError('not a Mooring receptive handshake (is something other than kas dialing?)');
  const credential = line.slice(space + 1);
  if (credential === '-') return null;
  if (!/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/.test(credential))
    throw new PrefaceError('the handshake carries something that is not a JWT');
  return credential;
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

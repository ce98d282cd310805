// A minimal WebSocket client for tests, speaking Kubernetes' v5.channel.k8s.io as a browser would (no extra
// library: the handshake and the server's unmasked frames are all a test needs). The console's route and kas's
// proxy are the parts under test; this client only opens, reads and closes.
import { randomBytes } from 'node:crypto';
import net from 'node:net';

export interface ExecResult {
  /** The HTTP status line's code: 101 when the upgrade was accepted. */
  status: number;
  /** The answer's body when the upgrade was refused (a Kubernetes Status). */
  body: string;
  /** Per channel (1 stdout, 2 stderr, 3 status), the bytes the server sent, in order. */
  channels: Map<number, string>;
}

/** Opens `target` on `baseUrl` with these headers, reads until the server closes (or `timeoutMs`). */
export function webSocketExec(
  baseUrl: string,
  target: string,
  headers: Record<string, string>,
  timeoutMs = 60_000,
): Promise<ExecResult> {
  const url = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(url.port), url.hostname);
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no answer to the WebSocket ${target} within ${timeoutMs / 1000} s`));
    }, timeoutMs);
    let buffer = Buffer.alloc(0);
    let status = 0;
    let body = '';
    const channels = new Map<number, string>();
    socket.on('connect', () => {
      const lines = [
        `GET ${target} HTTP/1.1`,
        `Host: ${url.host}`,
        'Connection: Upgrade',
        'Upgrade: websocket',
        'Sec-WebSocket-Version: 13',
        `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}`,
        'Sec-WebSocket-Protocol: v5.channel.k8s.io',
        ...Object.entries(headers).map(([name, value]) => `${name}: ${value}`),
      ];
      socket.write(`${lines.join('\r\n')}\r\n\r\n`);
    });
    socket.on('data', (chunk: Buffer) => {
      buffer = Buffer.concat([buffer, chunk]);
      if (status === 0) {
        const end = buffer.indexOf('\r\n\r\n');
        if (end === -1) return;
        status = Number(/^HTTP\/1\.1 (\d{3})/.exec(buffer.subarray(0, end).toString('latin1'))?.[1] ?? -1);
        buffer = buffer.subarray(end + 4);
      }
      if (status !== 101) return;
      for (;;) {
        const frame = readFrame(buffer);
        if (!frame) return;
        buffer = buffer.subarray(frame.size);
        if (frame.opcode === 0x8) {
          // Close: answer it (masked, as a client must) and finish.
          socket.end(Buffer.from([0x88, 0x80, 0, 0, 0, 0]));
          return;
        }
        if (frame.opcode === 0x2 && frame.payload.length > 0) {
          const channel = frame.payload[0]!;
          channels.set(channel, (channels.get(channel) ?? '') + frame.payload.subarray(1).toString('utf8'));
        }
      }
    });
    socket.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    socket.on('close', () => {
      clearTimeout(timer);
      if (status !== 101) body = buffer.toString('utf8');
      resolve({ status, body, channels });
    });
  });
}

function readFrame(buffer: Buffer): { opcode: number; payload: Buffer; size: number } | undefined {
  if (buffer.length < 2) return undefined;
  const opcode = buffer[0]! & 0x0f;
  let length = buffer[1]! & 0x7f;
  let offset = 2;
  if (length === 126) {
    if (buffer.length < 4) return undefined;
    length = buffer.readUInt16BE(2);
    offset = 4;
  } else if (length === 127) {
    if (buffer.length < 10) return undefined;
    length = Number(buffer.readBigUInt64BE(2));
    offset = 10;
  }
  if (buffer.length < offset + length) return undefined;
  return { opcode, payload: buffer.subarray(offset, offset + length), size: offset + length };
}

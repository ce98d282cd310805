// Bytes through `kubectl port-forward`, checked end to end: an echo server on loopback that the cluster's pod port
// forwards to (kube-dev's forwardPodPort), and a round trip of random bytes through kubectl's local port.
import { createHash, randomBytes } from 'node:crypto';
import net from 'node:net';
import { until } from '../../../shared/testing/until';
import type { LongKubectl } from './kubectl-runner';

/** A TCP server on 127.0.0.1 that sends back whatever it receives. */
export async function startEchoServer(): Promise<{ port: number; close(): void }> {
  const server = net.createServer((socket) => socket.pipe(socket));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { port: (server.address() as net.AddressInfo).port, close: () => server.close() };
}

/**
 * Waits for the running `kubectl port-forward … :<port>` to print its local port, sends `bytes` random bytes through
 * it and reads as many back; resolves with the SHA-256 of both (equal when every byte came back in order).
 */
export async function echoThroughPortForward(
  pf: LongKubectl,
  bytes = 1024 * 1024,
  timeoutMs = 60_000,
): Promise<{ sent: string; received: string }> {
  const local = Number(
    await until(
      () => `port-forward ready (${pf.stderr()})`,
      () => /Forwarding from 127\.0\.0\.1:(\d+)/.exec(pf.output())?.[1],
      30_000,
    ),
  );
  const payload = randomBytes(bytes);
  const echoed = await new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let n = 0;
    const s = net.connect(local, '127.0.0.1', () => s.write(payload));
    // A lost or stuck byte fails here, saying how far the echo got, rather than at the test's own timeout.
    const timer = setTimeout(() => {
      s.destroy();
      reject(
        new Error(
          `port-forward echoed ${n} of ${payload.length} bytes within ${timeoutMs / 1000} s (kubectl: ${pf.stderr().slice(-1000)})`,
        ),
      );
    }, timeoutMs);
    s.on('data', (d: Buffer) => {
      chunks.push(d);
      n += d.length;
      if (n >= payload.length) {
        clearTimeout(timer);
        s.destroy();
        resolve(Buffer.concat(chunks));
      }
    });
    s.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
  });
  const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
  return { sent: sha(payload), received: sha(echoed) };
}

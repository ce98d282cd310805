// agentk that cannot reach kas says so in one warning naming the problem and the fix, not one line per client.
import { Writable } from 'node:stream';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { startAgentk } from './agentk';
import { closedLoopbackPort } from '@mooring/modules/shared/testing/loopback';

describe('agentk without a reachable kas', () => {
  it('logs one warning that says the connection is refused and what to check', async () => {
    const port = await closedLoopbackPort();

    const lines: { level: number; msg: string; failure?: string }[] = [];
    let failures = 0;
    let sawFailure!: () => void;
    const failed = new Promise<void>((resolve) => (sawFailure = resolve));
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        for (const text of chunk.toString().split('\n').filter(Boolean)) {
          const line = JSON.parse(text) as { level: number; msg: string; failure?: string };
          lines.push(line);
          if (line.failure && ++failures === 1) sawFailure();
        }
        done();
      },
    });
    const agentk = await startAgentk({
      kasAddress: `grpc://127.0.0.1:${port}`,
      token: 'mgt-test',
      kubeConfig: null,
      podName: 'p',
      podNamespace: 'n',
      pool: { backoffInitialMs: 1, backoffMaxMs: 2 },
      logger: pino({ level: 'debug' }, sink),
    });
    try {
      await failed;
    } finally {
      await agentk.stop(0);
    }
    const warnings = lines.filter((l) => l.level === 40);
    expect(warnings.map((l) => l.msg)).toEqual([
      `cannot connect to kas at grpc://127.0.0.1:${port}: nothing accepts connections at 127.0.0.1:${port} ` +
        '(connection refused); check that kas is running and that --kas-address names its agent port (default 8150)',
    ]);
  });
});

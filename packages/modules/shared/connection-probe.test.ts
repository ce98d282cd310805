import http2 from 'node:http2';
import type net from 'node:net';
import { describe, expect, it } from 'vitest';
import { generateSelfSignedTls } from './certificates';
import { explainConnectionFailure } from './connection-failure';
import { probeConnection } from './connection-probe';
import { closedLoopbackPort } from './testing/loopback';

describe('probeConnection', () => {
  it('returns the error a fresh connection fails with, or null when it connects', async () => {
    const port = await closedLoopbackPort();
    const refused = await probeConnection({ address: `grpc://127.0.0.1:${port}` });
    expect(explainConnectionFailure(refused, { address: `grpc://127.0.0.1:${port}` }).kind).toBe('refused');

    const material = generateSelfSignedTls();
    const server = http2.createSecureServer({ cert: material.certPem, key: material.keyPem });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = `grpcs://127.0.0.1:${(server.address() as net.AddressInfo).port}`;
    try {
      const untrusted = await probeConnection({ address });
      expect(explainConnectionFailure(untrusted, { address }).kind).toBe('unknown_ca');
      const wrongName = await probeConnection({
        address,
        caPem: material.caPem,
        serverName: 'wrong.example',
      });
      expect(explainConnectionFailure(wrongName, { address }).kind).toBe('tls_name');
      expect(await probeConnection({ address, caPem: material.caPem })).toBeNull();
    } finally {
      server.close();
    }
  });
});

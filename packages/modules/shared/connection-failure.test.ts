import http2 from 'node:http2';
import net from 'node:net';
import { Client, credentials, Metadata, type ChannelCredentials, type ServiceError } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateSelfSignedTls } from './certificates';
import { ConnectionFailureLog, explainConnectionFailure } from './connection-failure';
import { GrpcStatus } from './grpc-status';
import { closedLoopbackPort } from './testing/loopback';

/** One real unary call through grpc-js; resolves with the error it fails with. */
function failingCall(
  target: string,
  creds: ChannelCredentials,
  options: Record<string, string> = {},
): Promise<ServiceError> {
  const client = new Client(target, creds, options);
  return new Promise((resolve) =>
    client.makeUnaryRequest(
      '/mooring.Test/Call',
      (x: Buffer) => x,
      (x: Buffer) => x,
      Buffer.alloc(0),
      new Metadata(),
      { deadline: Date.now() + 60_000 },
      (error) => {
        client.close();
        resolve(error!);
      },
    ),
  );
}

describe('explainConnectionFailure on real connection failures', () => {
  const tls = generateSelfSignedTls(['kas.test']);
  let tlsServer: http2.Http2SecureServer;
  let tlsPort: number;
  let plainServer: net.Server;
  let plainPort: number;
  beforeAll(async () => {
    tlsServer = http2.createSecureServer({ cert: tls.certPem, key: tls.keyPem });
    await new Promise<void>((resolve) => tlsServer.listen(0, '127.0.0.1', resolve));
    tlsPort = (tlsServer.address() as net.AddressInfo).port;
    plainServer = net.createServer((socket) =>
      socket.on('data', () => socket.end('HTTP/1.1 400 Bad\r\n\r\n')),
    );
    await new Promise<void>((resolve) => plainServer.listen(0, '127.0.0.1', resolve));
    plainPort = (plainServer.address() as net.AddressInfo).port;
  });
  afterAll(() => {
    tlsServer.close();
    plainServer.close();
  });

  it('connection refused', async () => {
    const port = await closedLoopbackPort();
    const error = await failingCall(`127.0.0.1:${port}`, credentials.createInsecure());
    const failure = explainConnectionFailure(error, { address: `grpc://127.0.0.1:${port}` });
    expect(failure.kind).toBe('refused');
    expect(failure.message).toBe(
      `cannot connect to kas at grpc://127.0.0.1:${port}: nothing accepts connections at 127.0.0.1:${port} ` +
        '(connection refused); check that kas is running and that --kas-address names its agent port (default 8150)',
    );
  });

  it("connection refused, naming the port of the target's own listener", async () => {
    const port = await closedLoopbackPort();
    const error = await failingCall(`127.0.0.1:${port}`, credentials.createInsecure());
    const failure = explainConnectionFailure(error, {
      address: `grpcs://127.0.0.1:${port}`,
      name: 'agent 7',
      flags: { address: 'the receptive endpoint URL' },
      port: "agentk's --receptive-listen-address port (default 8082)",
    });
    expect(failure.fix).toBe(
      "check that agent 7 is running and that the receptive endpoint URL names agentk's --receptive-listen-address port (default 8082)",
    );
  });

  it('a CA this side does not trust', async () => {
    const error = await failingCall(`127.0.0.1:${tlsPort}`, credentials.createSsl());
    const failure = explainConnectionFailure(error, { address: `grpcs://127.0.0.1:${tlsPort}` });
    expect(failure.kind).toBe('unknown_ca');
    expect(failure.fix).toContain('--ca-cert-file');
  });

  it('a certificate for other names', async () => {
    const error = await failingCall(`127.0.0.1:${tlsPort}`, credentials.createSsl(Buffer.from(tls.caPem)), {
      'grpc.ssl_target_name_override': 'wrong.example',
      'grpc.default_authority': 'wrong.example',
    });
    const failure = explainConnectionFailure(error, { address: 'grpcs://wrong.example:8150' });
    expect(failure.kind).toBe('tls_name');
    expect(failure.problem).toContain('not valid for the name wrong.example');
    expect(failure.problem).toContain('DNS:kas.test');
    expect(failure.fix).toContain('--kas-tls-server-name');
  });

  it('TLS to a plaintext port', async () => {
    const error = await failingCall(`127.0.0.1:${plainPort}`, credentials.createSsl());
    const failure = explainConnectionFailure(error, { address: `grpcs://127.0.0.1:${plainPort}` });
    expect(failure.kind).toBe('tls_mismatch');
    expect(failure.fix).toContain('grpc://');
  });
});

describe('explainConnectionFailure on the texts grpc-js reports', () => {
  const target = { address: 'grpcs://kas.example:8150' };

  it('an unknown host', () => {
    const failure = explainConnectionFailure(
      { code: GrpcStatus.UNAVAILABLE, details: 'Name resolution failed for target dns:kas.example:8150' },
      target,
    );
    expect(failure.kind).toBe('dns');
    expect(failure.problem).toBe('the host name kas.example does not resolve (DNS)');
  });

  it("a rejected token, quoting kas's reason", () => {
    const failure = explainConnectionFailure(
      { code: GrpcStatus.UNAUTHENTICATED, details: 'the agent token was revoked' },
      target,
    );
    expect(failure.kind).toBe('token_rejected');
    expect(failure.problem).toContain('kas says: the agent token was revoked');
    expect(failure.fix).toContain('--token-file');
  });

  it('a deadline while waiting for a connection', () => {
    const failure = explainConnectionFailure(
      {
        code: GrpcStatus.DEADLINE_EXCEEDED,
        details: 'Deadline exceeded after 30.001s,name resolution: 0.002s,wait_for_ready,Waiting for LB pick',
      },
      target,
    );
    expect(failure.kind).toBe('deadline');
  });

  it('anything else, naming the status', () => {
    const failure = explainConnectionFailure({ code: GrpcStatus.INTERNAL, details: 'boom' }, target);
    expect(failure).toMatchObject({ kind: 'other', problem: 'INTERNAL: boom' });
  });
});

describe('ConnectionFailureLog', () => {
  it('warns once per problem across sources, and again after a success', () => {
    const lines: string[] = [];
    const log = new ConnectionFailureLog(
      {
        warn: (_o, msg) => lines.push(`warn ${msg}`),
        debug: (_o, msg) => lines.push(`debug ${msg}`),
        info: (_o, msg) => lines.push(`info ${msg}`),
      },
      { address: 'grpc://127.0.0.1:1' },
    );
    const refused = {
      code: GrpcStatus.UNAVAILABLE,
      details: 'No connection established. Last error: connect ECONNREFUSED',
    };
    log.report(refused, 'tunnel');
    log.report(refused, 'registrar');
    log.report(refused, 'configuration');
    log.connected();
    log.report(refused, 'tunnel');
    expect(lines.map((l) => l.split(':')[0])).toEqual([
      'warn cannot connect to kas at grpc',
      'debug cannot connect to kas at grpc',
      'debug cannot connect to kas at grpc',
      'info connected to kas again',
      'warn cannot connect to kas at grpc',
    ]);
  });
});

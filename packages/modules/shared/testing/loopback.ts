// Test helpers for real loopback sockets.
import {
  credentials,
  Server as GrpcServer,
  ServerCredentials,
  type ChannelCredentials,
  type Client as GrpcClient,
  type ServiceDefinition,
  type UntypedServiceImplementation,
} from '@grpc/grpc-js';
import net from 'node:net';
import tls from 'node:tls';

/** A loopback port nothing listens on (it was free a moment ago): connecting to it is refused. */
export async function closedLoopbackPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** The SHA-256 fingerprint of the certificate a TLS server on 127.0.0.1:`port` serves (verified against `ca`). */
export async function servedFingerprint(port: number, ca: string | Buffer): Promise<string> {
  const socket = tls.connect({ host: '127.0.0.1', port, ca, servername: 'localhost' });
  await new Promise<void>((resolve, reject) => {
    socket.once('secureConnect', resolve);
    socket.once('error', reject);
  });
  const fingerprint = socket.getPeerCertificate().fingerprint256;
  socket.destroy();
  return fingerprint;
}

/** Binds `server` without TLS to a free port on 127.0.0.1 and returns the port (unit tests of gRPC handlers). */
export function bindInsecureLoopback(server: GrpcServer): Promise<number> {
  return new Promise((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (error, port) =>
      error ? reject(error) : resolve(port),
    ),
  );
}

/** `implementation` served without TLS on 127.0.0.1 and a `Client` of it; `close()` shuts both down. */
export async function insecureLoopbackGrpc<C extends GrpcClient>(
  service: ServiceDefinition,
  implementation: UntypedServiceImplementation,
  Client: new (address: string, channelCredentials: ChannelCredentials) => C,
): Promise<{ client: C; close(): void }> {
  const server = new GrpcServer();
  server.addService(service, implementation);
  const port = await bindInsecureLoopback(server);
  const client = new Client(`127.0.0.1:${port}`, credentials.createInsecure());
  return {
    client,
    close() {
      server.forceShutdown();
      client.close();
    },
  };
}

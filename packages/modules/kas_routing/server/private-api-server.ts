// The private API listener (MOORING_PRIVATE_API_PORT, 8155): gRPC for other kas replicas only, each call carrying a
// private API JWT. Serves KasRouting.RouteCall from this replica's own tunnels. TLS when certificate files are
// given; otherwise plaintext, for loopback and private networks (docs/replicas.md says when that is acceptable).
import { Server, ServerCredentials } from '@grpc/grpc-js';
import { KasRoutingService } from '@mooring/proto/gen/mooring/kas_routing/rpc/rpc';
import { disableNagle } from '../../modserver/index';
import { createRouterHandler, type RouterDeps } from './router-service';

export interface PrivateApiServerOptions extends RouterDeps {
  host: string;
  port: number;
  tls?: { certPem: Buffer; keyPem: Buffer };
  maxMessageBytes?: number;
  /** Concurrent routed calls per connection from one replica. */
  maxConcurrentStreams?: number;
}

export interface RunningPrivateApiServer {
  port: number;
  /** Lets routed calls in flight finish (bounded by `graceMs`), then closes. */
  stop(graceMs: number): Promise<void>;
}

export async function startPrivateApiServer(
  options: PrivateApiServerOptions,
): Promise<RunningPrivateApiServer> {
  const server = new Server({
    'grpc.keepalive_time_ms': 30_000,
    'grpc.keepalive_timeout_ms': 10_000,
    'grpc.keepalive_permit_without_calls': 1,
    'grpc.http2.min_ping_interval_without_data_ms': 10_000,
    'grpc.max_receive_message_length': options.maxMessageBytes ?? 16 * 1024 * 1024,
    'grpc.max_send_message_length': options.maxMessageBytes ?? 16 * 1024 * 1024,
    'grpc.max_concurrent_streams': options.maxConcurrentStreams ?? 2000,
    'grpc.enable_channelz': 0,
  });
  server.addService(KasRoutingService, { routeCall: createRouterHandler(options) });
  const creds = options.tls
    ? ServerCredentials.createSsl(
        null,
        [{ cert_chain: options.tls.certPem, private_key: options.tls.keyPem }],
        false,
      )
    : ServerCredentials.createInsecure();
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync(`${options.host}:${options.port}`, creds, (error, bound) =>
      error
        ? reject(
            new Error(
              `the private API could not listen on ${options.host}:${options.port} (${error.message}); set MOORING_PRIVATE_API_PORT to a free port`,
            ),
          )
        : resolve(bound),
    ),
  );
  // The router answers in several small writes (Ready, then the agent's messages as they arrive).
  disableNagle(server);
  return {
    port,
    stop: (graceMs) =>
      new Promise<void>((resolve) => {
        const force = setTimeout(() => {
          server.forceShutdown();
          resolve();
        }, graceMs);
        server.tryShutdown(() => {
          clearTimeout(force);
          resolve();
        });
      }),
  };
}

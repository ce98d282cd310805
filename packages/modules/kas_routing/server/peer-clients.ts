// One gRPC client per other replica's private API, made on first use and kept (HTTP/2 carries every routed call
// to that replica on one connection). Bounded: beyond `max` replicas the least recently used client is closed.
import { type ChannelCredentials, credentials } from '@grpc/grpc-js';
import { KasRoutingClient } from '@mooring/proto/gen/mooring/kas_routing/rpc/rpc';

export interface PeerClients {
  get(address: string): KasRoutingClient;
  close(): void;
}

export interface PeerClientsOptions {
  /** The replicas' private APIs speak TLS (else plaintext: loopback or a private network). */
  tls?: boolean;
  /** PEM of the CA that signed their certificates; absent: the system roots. */
  caPem?: Buffer;
  max?: number;
  maxMessageBytes?: number;
}

export function createPeerClients(options: PeerClientsOptions = {}): PeerClients {
  const creds: ChannelCredentials = options.tls
    ? credentials.createSsl(options.caPem ?? null)
    : credentials.createInsecure();
  const max = options.max ?? 64;
  const clients = new Map<string, KasRoutingClient>();
  return {
    get(address) {
      let client = clients.get(address);
      if (client) {
        clients.delete(address);
        clients.set(address, client);
        return client;
      }
      client = new KasRoutingClient(address, creds, {
        'grpc.keepalive_time_ms': 30_000,
        'grpc.keepalive_timeout_ms': 10_000,
        'grpc.max_receive_message_length': options.maxMessageBytes ?? 16 * 1024 * 1024,
        'grpc.max_send_message_length': options.maxMessageBytes ?? 16 * 1024 * 1024,
        'grpc.enable_channelz': 0,
      });
      clients.set(address, client);
      if (clients.size > max) {
        const [oldest, old] = clients.entries().next().value as [string, KasRoutingClient];
        clients.delete(oldest);
        old.close();
      }
      return client;
    },
    close() {
      for (const client of clients.values()) client.close();
      clients.clear();
    },
  };
}

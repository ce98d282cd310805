// One gRPC channel to kas shared by every agentk module's client, with TLS, keepalive and the per-call metadata.
import { Channel, ChannelCredentials, Metadata } from '@grpc/grpc-js';
import type { KasChannel } from '@mooring/modules/modagent/index';

export interface KasConnectionOptions {
  /** grpc://host:port or grpcs://host:port */
  kasAddress: string;
  token: string;
  caCertPem?: Buffer | null;
  kasTlsServerName?: string | null;
  kasHeaders?: Array<[string, string]>;
  userAgent: string;
  keepaliveTimeMs?: number;
  maxMessageBytes?: number;
}

export interface KasConnection extends KasChannel {
  close(): void;
}

export function connectToKas(options: KasConnectionOptions): KasConnection {
  const url = new URL(options.kasAddress);
  const secure = url.protocol === 'grpcs:';
  const target = `${url.hostname.includes(':') && !url.hostname.startsWith('[') ? `[${url.hostname}]` : url.hostname}:${url.port || (secure ? 443 : 80)}`;
  const credentials = secure
    ? ChannelCredentials.createSsl(options.caCertPem ?? null)
    : ChannelCredentials.createInsecure();
  const maxMessageBytes = options.maxMessageBytes ?? 10 * 1024 * 1024;
  const channelOptions: Record<string, string | number> = {
    'grpc.primary_user_agent': options.userAgent,
    // Client pings every 55 s, even with no call open (design section 3).
    'grpc.keepalive_time_ms': options.keepaliveTimeMs ?? 55_000,
    'grpc.keepalive_timeout_ms': 20_000,
    'grpc.keepalive_permit_without_calls': 1,
    'grpc.max_receive_message_length': maxMessageBytes,
    'grpc.max_send_message_length': maxMessageBytes,
    'grpc.initial_reconnect_backoff_ms': 1_000,
    'grpc.max_reconnect_backoff_ms': 20_000,
    // HTTP/2 receive window (stream and connection): the 64 KiB default stalls a large upload (kubectl cp, a
    // port-forward's client bytes) on a WINDOW_UPDATE round trip every 64 KiB.
    'grpc-node.flow_control_window': 4 * 1024 * 1024,
  };
  if (options.kasTlsServerName) {
    channelOptions['grpc.ssl_target_name_override'] = options.kasTlsServerName;
    channelOptions['grpc.default_authority'] = options.kasTlsServerName;
  }
  const channel = new Channel(target, credentials, channelOptions);
  const clientOptions = { channelOverride: channel };
  const base = new Metadata();
  base.set('authorization', `Bearer ${options.token}`);
  for (const [name, value] of options.kasHeaders ?? []) base.add(name, value);
  return {
    target,
    credentials,
    clientOptions,
    metadata: () => base.clone(),
    close: () => channel.close(),
  };
}

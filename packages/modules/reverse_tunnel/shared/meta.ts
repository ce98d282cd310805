// Converts tunnel metadata between the TunnelMeta record, the proto map<string, Values> and grpc-js Metadata.
import type { Metadata } from '@grpc/grpc-js';
import type { Values } from '@mooring/proto/gen/mooring/rpc/rpc';
import type { TunnelMeta } from './tunnel-api';

export function metaToProto(meta: TunnelMeta | undefined): Record<string, Values> {
  const out: Record<string, Values> = {};
  for (const [key, values] of Object.entries(meta ?? {})) out[key.toLowerCase()] = { value: [...values] };
  return out;
}

export function metaFromProto(meta: Record<string, Values> | undefined): TunnelMeta {
  const out: TunnelMeta = {};
  for (const [key, values] of Object.entries(meta ?? {})) out[key] = [...(values.value ?? [])];
  return out;
}

/** Text metadata only: binary (-bin) keys are base64 in TunnelMeta. */
export function metaFromGrpc(metadata: Metadata): TunnelMeta {
  const out: TunnelMeta = {};
  for (const [key, values] of Object.entries(metadata.toJSON())) {
    out[key] = values.map((v) => (typeof v === 'string' ? v : Buffer.from(v).toString('base64')));
  }
  return out;
}

/** A Buffer view of the bytes, without copying (the proto types say Buffer; callers hand any Uint8Array). */
export function asBuffer(data: Uint8Array): Buffer {
  return Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
}

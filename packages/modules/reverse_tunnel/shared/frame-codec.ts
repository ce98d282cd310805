// The Connect stream's codec on both sides: the generated one, except for the frames that carry bytes. A Message
// frame (alone or in a batch) is written with its data copied once and read as a view into the gRPC message
// (grpc-js hands every message in a buffer of its own), where the generated code copied the data three times on
// the way out and once on the way in (shared/proto-bytes.ts). Same wire format: a peer on the generated codec
// reads and writes these frames unchanged.
import { makeGenericClientConstructor } from '@grpc/grpc-js';
import {
  ConnectRequest,
  ConnectResponse,
  type ReverseTunnelClient,
  ReverseTunnelService,
} from '@mooring/proto/gen/mooring/reverse_tunnel/rpc/rpc';
import {
  lengthPrefix,
  nestedBytesPrefix,
  nestedBytesView,
  fieldView,
  repeatedViews,
} from '../../shared/proto-bytes';

interface Frames<F> {
  /** Field numbers of the Message and batch cases of the frame's oneof. */
  messageField: number;
  batchField: number;
  generated: { encode(f: F): { finish(): Uint8Array }; decode(b: Uint8Array): F };
  dataOf(f: F): Buffer | undefined;
  framesOf(f: F): F[] | undefined;
  message(data: Buffer): F;
  batch(frames: F[]): F;
}

function codec<F>(spec: Frames<F>) {
  /** One frame's encoding as pieces (the data not copied). */
  const pieces = (frame: F): Uint8Array[] => {
    const data = spec.dataOf(frame);
    if (data) return [nestedBytesPrefix(spec.messageField, data.length), data];
    return [spec.generated.encode(frame).finish()];
  };
  const serialize = (frame: F): Buffer => {
    const frames = spec.framesOf(frame);
    if (!frames) return join(pieces(frame));
    const parts: Uint8Array[] = [];
    let length = 0;
    for (const one of frames) {
      const own = pieces(one);
      const ownLength = own.reduce((n, p) => n + p.length, 0);
      const prefix = lengthPrefix(1, ownLength);
      parts.push(prefix, ...own);
      length += prefix.length + ownLength;
    }
    return join([lengthPrefix(spec.batchField, length), ...parts]);
  };
  const decodeOne = (bytes: Buffer): F => {
    const data = nestedBytesView(bytes, spec.messageField);
    return data ? spec.message(data) : spec.generated.decode(bytes);
  };
  const deserialize = (bytes: Buffer): F => {
    const data = nestedBytesView(bytes, spec.messageField);
    if (data) return spec.message(data);
    const body = fieldView(bytes, spec.batchField);
    const frames = body && repeatedViews(body);
    return frames ? spec.batch(frames.map(decodeOne)) : spec.generated.decode(bytes);
  };
  return { serialize, deserialize };
}

function join(parts: Uint8Array[]): Buffer {
  if (parts.length === 1) {
    const only = parts[0]!;
    return Buffer.isBuffer(only) ? only : Buffer.from(only.buffer, only.byteOffset, only.byteLength);
  }
  return Buffer.concat(parts);
}

export const requestCodec = codec<ConnectRequest>({
  messageField: 3,
  batchField: 6,
  generated: ConnectRequest,
  dataOf: (f) => (f.msg?.$case === 'message' ? f.msg.value.data : undefined),
  framesOf: (f) => (f.msg?.$case === 'batch' ? f.msg.value.frames : undefined),
  message: (data) => ({ msg: { $case: 'message', value: { data } } }),
  batch: (frames) => ({ msg: { $case: 'batch', value: { frames } } }),
});

export const responseCodec = codec<ConnectResponse>({
  messageField: 2,
  batchField: 4,
  generated: ConnectResponse,
  dataOf: (f) => (f.msg?.$case === 'message' ? f.msg.value.data : undefined),
  framesOf: (f) => (f.msg?.$case === 'batch' ? f.msg.value.frames : undefined),
  message: (data) => ({ msg: { $case: 'message', value: { data } } }),
  batch: (frames) => ({ msg: { $case: 'batch', value: { frames } } }),
});

/** ReverseTunnel's service definition with this codec (kas registers it on the agent server). */
export const TunnelService = {
  connect: {
    ...ReverseTunnelService.connect,
    requestSerialize: requestCodec.serialize,
    requestDeserialize: requestCodec.deserialize,
    responseSerialize: responseCodec.serialize,
    responseDeserialize: responseCodec.deserialize,
  },
} as const satisfies typeof ReverseTunnelService;

/** ReverseTunnel's client with this codec (agentk's tunnel pool). */
export const TunnelClient = makeGenericClientConstructor(
  TunnelService,
  'mooring.reverse_tunnel.rpc.ReverseTunnel',
) as unknown as typeof ReverseTunnelClient;

import { ConnectRequest, ConnectResponse } from '@mooring/proto/gen/mooring/reverse_tunnel/rpc/rpc';
import { describe, expect, it } from 'vitest';
import { requestCodec, responseCodec } from './frame-codec';

const generated = (f: ConnectRequest) => Buffer.from(ConnectRequest.encode(f).finish());
const data = (bytes: Buffer): ConnectRequest => ({ msg: { $case: 'message', value: { data: bytes } } });
const trailer: ConnectRequest = {
  msg: { $case: 'trailer', value: { meta: { a: { value: ['b'] } }, last: true } },
};
/** Frames compared by their generated encoding (toEqual on megabytes is slow). */
const same = (a: ConnectRequest, b: ConnectRequest) => expect(generated(a).equals(generated(b))).toBe(true);
const batch = (frames: ConnectRequest[]): ConnectRequest => ({ msg: { $case: 'batch', value: { frames } } });

describe('the tunnel frame codec', () => {
  // Sizes around the one- and two-byte length varints, and one past 2^21 (a four-byte length).
  const sizes = [0, 1, 127, 128, 16_383, 16_384, 3 * 1024 * 1024];

  it('writes the bytes the generated code writes, and reads them', () => {
    for (const size of sizes) {
      const frame = data(Buffer.alloc(size, 7));
      expect(requestCodec.serialize(frame).equals(generated(frame))).toBe(true);
      same(requestCodec.deserialize(generated(frame)), frame);
    }
    const mixed = batch([data(Buffer.from('head')), data(Buffer.alloc(200_000, 1)), trailer]);
    expect(requestCodec.serialize(mixed).equals(generated(mixed))).toBe(true);
    same(requestCodec.deserialize(generated(mixed)), mixed);
    expect(requestCodec.deserialize(generated(trailer))).toEqual(trailer);
  });

  it('reads data as a view into the message, not a copy', () => {
    const bytes = requestCodec.serialize(data(Buffer.from('payload')));
    const read = requestCodec.deserialize(bytes);
    expect(read.msg?.$case === 'message' && read.msg.value.data.buffer).toBe(bytes.buffer);
  });

  it('hands frames it has no shortcut for to the generated code', () => {
    const info: ConnectResponse = {
      msg: { $case: 'requestInfo', value: { methodName: '/a.B/C', meta: {}, batches: true } },
    };
    const encoded = responseCodec.serialize(info);
    expect(encoded.equals(Buffer.from(ConnectResponse.encode(info).finish()))).toBe(true);
    expect(responseCodec.deserialize(encoded)).toEqual(info);
    // A Message frame with a field this version does not know is still read (by the generated code).
    const withUnknown = Buffer.concat([
      generated(data(Buffer.from('x'))).subarray(0, 1),
      Buffer.from([5, 10, 1, 120, 16, 1]),
    ]);
    expect(requestCodec.deserialize(withUnknown)).toEqual(data(Buffer.from('x')));
  });
});

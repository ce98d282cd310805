// Protobuf by hand for the frames that carry payload: a oneof case whose message holds one bytes field
// ({outer: {1: bytes}}), as the tunnel's Message frame and HTTP's Data and UpgradeData frames are. The generated
// encoder copies the bytes once per nesting level and once more in Buffer.from, and the generated decoder copies
// them too (2.2 ms/MiB of agentk's encoding plus the GC of the copies); here they are copied once on the way out
// and read as a view on the way in. Every other frame stays with the generated code; both read each other's bytes.
// Field numbers must be below 16 (one-byte keys), as every field these frames use is.

const LEN = 2; // the length-delimited wire type

function varintSize(n: number): number {
  let size = 1;
  while (n >= 0x80) {
    n = Math.floor(n / 128);
    size++;
  }
  return size;
}

function writeVarint(buf: Buffer, pos: number, n: number): number {
  while (n >= 0x80) {
    buf[pos++] = (n & 0x7f) | 0x80;
    n = Math.floor(n / 128);
  }
  buf[pos++] = n;
  return pos;
}

/** A varint at `pos` as [value, next position]; undefined past the end or beyond 2^35. */
function readVarint(buf: Uint8Array, pos: number): [number, number] | undefined {
  let value = 0;
  for (let shift = 0, scale = 1; shift < 35; shift += 7, scale *= 128) {
    if (pos >= buf.length) return undefined;
    const byte = buf[pos++]!;
    value += (byte & 0x7f) * scale;
    if (byte < 0x80) return [value, pos];
  }
  return undefined;
}

/** The length-delimited field's key and length: what precedes `length` bytes of field `field`. */
export function lengthPrefix(field: number, length: number): Buffer {
  const tag = field * 8 + LEN;
  const buf = Buffer.allocUnsafe(varintSize(tag) + varintSize(length));
  writeVarint(buf, writeVarint(buf, 0, tag), length);
  return buf;
}

function sizeOf(data: Uint8Array | readonly Uint8Array[]): number {
  if (!Array.isArray(data)) return (data as Uint8Array).length;
  let n = 0;
  for (const part of data as readonly Uint8Array[]) n += part.length;
  return n;
}

/** What precedes the bytes in {outer: {1: bytes}}: both keys and lengths (nothing inside for empty bytes). */
export function nestedBytesPrefix(outerField: number, length: number): Buffer {
  if (length === 0) return lengthPrefix(outerField, 0);
  const inner = lengthPrefix(1, length);
  return Buffer.concat([lengthPrefix(outerField, inner.length + length), inner]);
}

/** {outer: {1: bytes}} encoded with the bytes (one piece or several) copied once. */
export function encodeNestedBytes(outerField: number, data: Uint8Array | readonly Uint8Array[]): Buffer {
  const length = sizeOf(data);
  const prefix = nestedBytesPrefix(outerField, length);
  return Buffer.concat(
    [prefix, ...(Array.isArray(data) ? data : [data as Uint8Array])],
    prefix.length + length,
  );
}

/**
 * The bytes of a message that is exactly {outer: {1: bytes}}, as a view into `message` (not copied: the caller
 * must not reuse `message`); undefined for anything else, which the caller decodes with the generated code.
 */
export function nestedBytesView(message: Uint8Array, outerField: number): Buffer | undefined {
  if (message[0] !== outerField * 8 + LEN) return undefined;
  const outer = readVarint(message, 1);
  if (!outer || outer[1] + outer[0] !== message.length) return undefined;
  let pos = outer[1];
  const view = (start: number, end: number) =>
    Buffer.from(message.buffer, message.byteOffset + start, end - start);
  if (pos === message.length) return view(pos, pos);
  if (message[pos] !== 1 * 8 + LEN) return undefined;
  const inner = readVarint(message, pos + 1);
  if (!inner || inner[1] + inner[0] !== message.length) return undefined;
  pos = inner[1];
  return view(pos, message.length);
}

/**
 * The length-delimited values of field 1 of a message that holds only that field (a repeated message field, as
 * a batch of frames), each a view into `message`; undefined for anything else.
 */
export function repeatedViews(message: Uint8Array): Buffer[] | undefined {
  const out: Buffer[] = [];
  let pos = 0;
  while (pos < message.length) {
    if (message[pos] !== 1 * 8 + LEN) return undefined;
    const len = readVarint(message, pos + 1);
    if (!len || len[1] + len[0] > message.length) return undefined;
    out.push(Buffer.from(message.buffer, message.byteOffset + len[1], len[0]));
    pos = len[1] + len[0];
  }
  return out;
}

/** The value of a message that is exactly {outer: <length-delimited>}, as a view; undefined otherwise. */
export function fieldView(message: Uint8Array, outerField: number): Buffer | undefined {
  if (message[0] !== outerField * 8 + LEN) return undefined;
  const len = readVarint(message, 1);
  if (!len || len[1] + len[0] !== message.length) return undefined;
  return Buffer.from(message.buffer, message.byteOffset + len[1], len[0]);
}

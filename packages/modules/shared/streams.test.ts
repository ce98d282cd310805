import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { describeError, listenForErrors, readCoalesced, writeWithBackpressure } from './streams';

describe('stream helpers', () => {
  it('keep listening for errors between reads, so a late error is kept instead of crashing', async () => {
    const stream = new PassThrough();
    const reader = readCoalesced(stream);
    stream.write('a');
    expect(Buffer.concat((await reader.next()).value ?? []).toString()).toBe('a');
    // The consumer is busy elsewhere (no read pending) when the error arrives.
    expect(stream.listenerCount('error')).toBeGreaterThan(0);
    stream.destroy(Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }));
    await new Promise((resolve) => stream.once('close', resolve));
    await expect(reader.next()).rejects.toThrow('ECONNRESET');
  });

  it('hands small answers over at once, and lets a bulk stream gather the records of the next turn', async () => {
    const kib = (n: number, fill: string) => Buffer.alloc(n * 1024, fill);
    const runSize = async (reader: AsyncGenerator<Buffer[]>) =>
      ((await reader.next()).value ?? []).reduce((sum: number, b: Buffer) => sum + b.length, 0);

    const small = new PassThrough();
    const smallReader = readCoalesced(small);
    small.write(kib(4, 'a'));
    setImmediate(() => small.write(kib(4, 'b')));
    expect(await runSize(smallReader)).toBe(4 * 1024);

    const bulk = new PassThrough();
    const bulkReader = readCoalesced(bulk);
    bulk.write(kib(64, 'x'));
    expect(await runSize(bulkReader)).toBe(64 * 1024);
    const next = runSize(bulkReader);
    bulk.write(kib(4, 'a'));
    setImmediate(() => bulk.write(kib(4, 'b')));
    expect(await next).toBe(8 * 1024);
  });

  it('adds one lasting listener per stream, and calls a given handler for every error', () => {
    const stream = new PassThrough();
    listenForErrors(stream);
    listenForErrors(stream);
    expect(stream.listenerCount('error')).toBe(1);
    const seen: string[] = [];
    listenForErrors(stream, (error) => seen.push(error.message));
    stream.emit('error', new Error('one'));
    stream.emit('error', new Error('two'));
    expect(seen).toEqual(['one', 'two']);
  });

  it('resolves a write waiting for drain when the stream closes', async () => {
    const stream = new PassThrough({ highWaterMark: 1 });
    const waiting = writeWithBackpressure(stream, Buffer.from('more than one byte'));
    stream.destroy(new Error('gone'));
    await expect(waiting).resolves.toBeUndefined();
  });

  it('describes system errors with their code', () => {
    expect(describeError(Object.assign(new Error('connect failed'), { code: 'ECONNREFUSED' }))).toBe(
      'ECONNREFUSED connect failed',
    );
    expect(describeError('text')).toBe('text');
  });
});

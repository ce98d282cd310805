import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { BATCH_BYTES, FrameBatcher } from './frame-batcher';

type Frame = { data: string } | { batch: Frame[] };

function batcher() {
  const stream = new PassThrough({ objectMode: true });
  const written: Frame[] = [];
  stream.on('data', (f: Frame) => written.push(f));
  const out = new FrameBatcher<Frame>(
    stream,
    (frames) => ({ batch: frames }),
    (f) => ('data' in f ? f.data.length : 0),
  );
  return { out, written, stream };
}

const turn = () => new Promise((resolve) => setImmediate(resolve));

describe('FrameBatcher', () => {
  it('writes each frame at once while the peer reads no batches', () => {
    const { out, written } = batcher();
    out.write({ data: 'a' });
    out.write({ data: 'b' });
    expect(written).toEqual([{ data: 'a' }, { data: 'b' }]);
  });

  it('sends the frames of one go as one batch, and a lone frame as itself', async () => {
    const { out, written } = batcher();
    out.batching = true;
    out.write({ data: 'a' });
    await Promise.resolve();
    out.write({ data: 'b' });
    expect(written).toEqual([]);
    await turn();
    expect(written).toEqual([{ batch: [{ data: 'a' }, { data: 'b' }] }]);
    out.write({ data: 'c' });
    await turn();
    expect(written.at(-1)).toEqual({ data: 'c' });
  });

  it('lets a batch leave at once when it holds BATCH_BYTES', () => {
    const { out, written } = batcher();
    out.batching = true;
    out.write({ data: 'head' });
    out.write({ data: 'x'.repeat(BATCH_BYTES) });
    expect(written).toEqual([{ batch: [{ data: 'head' }, { data: 'x'.repeat(BATCH_BYTES) }] }]);
  });

  it('writes what is queued before it ends the stream, and drops it when closed', async () => {
    const ended = batcher();
    ended.out.batching = true;
    ended.out.write({ data: 'last' });
    ended.out.end();
    await new Promise((resolve) => ended.stream.on('end', resolve));
    expect(ended.written).toEqual([{ data: 'last' }]);

    const closed = batcher();
    closed.out.batching = true;
    closed.out.write({ data: 'moot' });
    closed.out.close();
    closed.out.write({ data: 'later' });
    await turn();
    expect(closed.written).toEqual([]);
  });
});

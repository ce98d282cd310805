import { describe, expect, it } from 'vitest';

import {
  CHANNEL,
  closeFrame,
  isMissingProgram,
  parseStatus,
  readFrame,
  resizeFrame,
  stdinFrame,
} from './channel';

const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

describe('the remote-command channel framing', () => {
  it('prefixes stdin with channel 0', () => {
    const out = stdinFrame('ls\r');
    expect(out[0]).toBe(0);
    expect(text(out.subarray(1))).toBe('ls\r');
    expect(Array.from(stdinFrame(new Uint8Array([1, 2])))).toEqual([0, 1, 2]);
  });

  it('sends a resize on channel 4 as {"Width","Height"} in cells', () => {
    const out = resizeFrame(120, 40);
    expect(out[0]).toBe(4);
    expect(JSON.parse(text(out.subarray(1)))).toEqual({ Width: 120, Height: 40 });
  });

  it("closes a channel with v5's 255 and the channel's number", () => {
    expect(Array.from(closeFrame(CHANNEL.stdin))).toEqual([255, 0]);
  });

  it('reads the channel byte and payload of a message; an empty message is none', () => {
    const message = new Uint8Array([1, 104, 105]).buffer;
    const frame = readFrame(message)!;
    expect(frame.channel).toBe(1);
    expect(text(frame.payload)).toBe('hi');
    expect(readFrame(new ArrayBuffer(0))).toBeNull();
  });
});

describe("the status channel's answer", () => {
  it('success', () => {
    expect(parseStatus('{"metadata":{},"status":"Success"}')).toEqual({ kind: 'success' });
  });

  it('a non-zero exit code, from the ExitCode cause', () => {
    const status = {
      status: 'Failure',
      message:
        'command terminated with non-zero exit code: error executing command [sh -c exit 3], exit code 3',
      reason: 'NonZeroExitCode',
      details: { causes: [{ reason: 'ExitCode', message: '3' }] },
    };
    expect(parseStatus(JSON.stringify(status))).toMatchObject({ kind: 'exit', code: 3 });
  });

  it('a command that could not start', () => {
    const status = {
      status: 'Failure',
      message: 'exec: "bash": executable file not found in $PATH',
      reason: 'InternalError',
    };
    const outcome = parseStatus(JSON.stringify(status));
    expect(outcome).toMatchObject({ kind: 'failure', reason: 'InternalError' });
    expect(isMissingProgram(outcome)).toBe(true);
  });

  it('a missing program reported as exit code 127 or 126', () => {
    expect(isMissingProgram({ kind: 'exit', code: 127, message: '' })).toBe(true);
    expect(isMissingProgram({ kind: 'exit', code: 126, message: '' })).toBe(true);
    expect(isMissingProgram({ kind: 'exit', code: 1, message: 'exit code 1' })).toBe(false);
    expect(isMissingProgram({ kind: 'success' })).toBe(false);
  });

  it('text that is not JSON is a failure with that text', () => {
    expect(parseStatus('boom')).toEqual({ kind: 'failure', message: 'boom', reason: '' });
  });
});

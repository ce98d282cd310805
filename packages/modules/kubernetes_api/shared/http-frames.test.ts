import { HttpRequest, HttpResponse } from '@mooring/proto/gen/mooring/kubernetes_api/rpc/rpc';
import { describe, expect, it } from 'vitest';
import {
  decodeRequest,
  decodeResponse,
  encodeRequestData,
  encodeRequestUpgradeData,
  encodeResponseData,
  encodeResponseHeader,
  encodeResponseUpgradeData,
} from './http-frames';

describe('HTTP frames with bytes', () => {
  it('encode as the generated code does, from one piece or several', () => {
    const body = Buffer.alloc(70_000, 3);
    const pieces = [body.subarray(0, 16_384), body.subarray(16_384)];
    const data = HttpResponse.encode({ message: { $case: 'data', value: { data: body } } }).finish();
    expect(Buffer.from(encodeResponseData(body)).equals(data)).toBe(true);
    expect(Buffer.from(encodeResponseData(pieces)).equals(data)).toBe(true);
    const up = HttpRequest.encode({ message: { $case: 'upgradeData', value: { data: body } } }).finish();
    expect(Buffer.from(encodeRequestUpgradeData(pieces)).equals(up)).toBe(true);
    const empty = HttpRequest.encode({
      message: { $case: 'data', value: { data: Buffer.alloc(0) } },
    }).finish();
    expect(Buffer.from(encodeRequestData([])).equals(empty)).toBe(true);
  });

  it('decode to views of the frame, and other frames as before', () => {
    const frame = encodeResponseUpgradeData(Buffer.from('spdy bytes'));
    const m = decodeResponse(frame);
    expect(m.$case).toBe('upgradeData');
    expect(m.$case === 'upgradeData' && m.value.data.toString()).toBe('spdy bytes');
    expect(m.$case === 'upgradeData' && m.value.data.buffer).toBe(frame.buffer);
    expect(decodeRequest(encodeRequestData(Buffer.alloc(0)))).toEqual({
      $case: 'data',
      value: { data: Buffer.alloc(0) },
    });
    const head = decodeResponse(encodeResponseHeader({ statusCode: 200, status: 'OK', header: {} }));
    expect(head).toEqual({
      $case: 'header',
      value: { response: { statusCode: 200, status: 'OK', header: {} } },
    });
  });
});

// Encoding of the HTTP-over-gRPC frames and the header/query maps they carry.
import {
  HeaderExtra,
  HttpRequest,
  HttpResponse,
  type HttpRequestLine,
  type HttpResponseLine,
  type ImpersonationConfig,
  type Values,
} from '@mooring/proto/gen/mooring/kubernetes_api/rpc/rpc';
import { encodeNestedBytes, nestedBytesView } from '../../shared/proto-bytes';

export type ValuesMap = Record<string, Values>;

/** Headers that describe one hop and never cross the tunnel (the upgrade pair is re-added for upgrades). */
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'http2-settings',
]);

export function isHopByHop(name: string): boolean {
  return HOP_BY_HOP.has(name.toLowerCase());
}

/** The headers a `Connection:` header names: hop-by-hop for this message only (RFC 9110 §7.6.1), never forwarded. */
export function namedInConnection(values: readonly string[] | undefined): Set<string> {
  const names = new Set<string>();
  for (const value of values ?? [])
    for (const name of value.split(',')) if (name.trim()) names.add(name.trim().toLowerCase());
  return names;
}

/** Node's `headersDistinct` (lower-case name → values) to the proto map, dropping hop-by-hop and Connection-named headers. */
export function headersToValues(
  headers: Record<string, string[] | undefined>,
  keep: (name: string) => boolean = () => true,
): ValuesMap {
  const out: ValuesMap = {};
  const named = namedInConnection(headers['connection']);
  for (const [name, values] of Object.entries(headers)) {
    if (!values || isHopByHop(name) || named.has(name.toLowerCase()) || !keep(name)) continue;
    out[name.toLowerCase()] = { value: [...values] };
  }
  return out;
}

/** The proto map back to a header object Node's writeHead/request accept. */
export function valuesToHeaders(map: ValuesMap): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [name, values] of Object.entries(map)) out[name] = [...values.value];
  return out;
}

export function queryToValues(params: URLSearchParams, drop: ReadonlySet<string> = new Set()): ValuesMap {
  const out: ValuesMap = {};
  for (const [name, value] of params) {
    if (drop.has(name)) continue;
    (out[name] ??= { value: [] }).value.push(value);
  }
  return out;
}

export function valuesToQueryString(map: ValuesMap): string {
  const params = new URLSearchParams();
  for (const [name, values] of Object.entries(map)) for (const v of values.value) params.append(name, v);
  const text = params.toString();
  return text ? `?${text}` : '';
}

export function encodeRequestHeader(
  request: HttpRequestLine,
  impersonation?: ImpersonationConfig,
): Uint8Array {
  const extra = HeaderExtra.encode({ impConfig: impersonation }).finish();
  return HttpRequest.encode({
    message: { $case: 'header', value: { request, extra: Buffer.from(extra) } },
  }).finish();
}

/** Field numbers of HttpRequest's and HttpResponse's oneof cases that carry bytes (the same in both). */
const DATA = 2;
const UPGRADE_DATA = 4;

/** Bytes given in pieces (a coalesced read) are joined in the one copy the frame needs anyway. */
export type FrameBytes = Uint8Array | readonly Uint8Array[];

export function encodeRequestData(data: FrameBytes): Uint8Array {
  return encodeNestedBytes(DATA, data);
}

export function encodeRequestTrailer(): Uint8Array {
  return HttpRequest.encode({ message: { $case: 'trailer', value: {} } }).finish();
}

export function encodeRequestUpgradeData(data: FrameBytes): Uint8Array {
  return encodeNestedBytes(UPGRADE_DATA, data);
}

export function encodeResponseHeader(response: HttpResponseLine): Uint8Array {
  return HttpResponse.encode({ message: { $case: 'header', value: { response } } }).finish();
}

export function encodeResponseData(data: FrameBytes): Uint8Array {
  return encodeNestedBytes(DATA, data);
}

export function encodeResponseTrailer(): Uint8Array {
  return HttpResponse.encode({ message: { $case: 'trailer', value: {} } }).finish();
}

export function encodeResponseUpgradeData(data: FrameBytes): Uint8Array {
  return encodeNestedBytes(UPGRADE_DATA, data);
}

/** Data and UpgradeData frames are read as views into `bytes` (the tunnel never reuses a message's buffer). */
export function decodeRequest(bytes: Uint8Array): NonNullable<HttpRequest['message']> {
  const data = nestedBytesView(bytes, DATA);
  if (data) return { $case: 'data', value: { data } };
  const upgradeData = nestedBytesView(bytes, UPGRADE_DATA);
  if (upgradeData) return { $case: 'upgradeData', value: { data: upgradeData } };
  const message = HttpRequest.decode(bytes).message;
  if (!message) throw new Error('empty HttpRequest frame');
  return message;
}

export function decodeResponse(bytes: Uint8Array): NonNullable<HttpResponse['message']> {
  const data = nestedBytesView(bytes, DATA);
  if (data) return { $case: 'data', value: { data } };
  const upgradeData = nestedBytesView(bytes, UPGRADE_DATA);
  if (upgradeData) return { $case: 'upgradeData', value: { data: upgradeData } };
  const message = HttpResponse.decode(bytes).message;
  if (!message) throw new Error('empty HttpResponse frame');
  return message;
}

export function decodeHeaderExtra(bytes: Uint8Array): HeaderExtra {
  return bytes.length ? HeaderExtra.decode(bytes) : {};
}

/** `Connection: upgrade` plus an `Upgrade` header: exec, attach, port-forward (SPDY or WebSocket). */
export function isUpgradeRequest(headers: Record<string, string[] | undefined>): boolean {
  const connection = (headers['connection'] ?? []).join(',').toLowerCase();
  return connection.split(',').some((t) => t.trim() === 'upgrade') && (headers['upgrade']?.length ?? 0) > 0;
}

/** The label of the upgrades metric: `websocket` or `spdy` (anything else is `other`). */
export function upgradeProtocol(upgradeHeader: string | undefined): 'websocket' | 'spdy' | 'other' {
  const value = (upgradeHeader ?? '').toLowerCase();
  if (value.includes('websocket')) return 'websocket';
  if (value.includes('spdy')) return 'spdy';
  return 'other';
}

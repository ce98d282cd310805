import { describe, expect, it } from 'vitest';

import { isProxyTarget, MAX_TARGET_LENGTH, parseProxyTarget, upstreamTarget } from './k8s-proxy-target';

describe('parseProxyTarget', () => {
  it('takes the agent id and keeps the Kubernetes path and query as sent', () => {
    expect(parseProxyTarget('/api/k8s-proxy/12/api/v1/namespaces?watch=true&x=%2F')).toEqual({
      agentId: 12,
      rest: '/api/v1/namespaces?watch=true&x=%2F',
    });
    expect(parseProxyTarget('/api/k8s-proxy/3')).toEqual({ agentId: 3, rest: '/' });
    expect(parseProxyTarget('/api/k8s-proxy/3?timeout=1s')).toEqual({ agentId: 3, rest: '/?timeout=1s' });
  });

  it('refuses an agent id that is not a positive integer, saying so', () => {
    for (const id of ['0', '-1', '1.5', '0x1', '01', 'abc', '', '99999999999999999']) {
      expect(() => parseProxyTarget(`/api/k8s-proxy/${id}/api`), id).toThrow(/positive integer/);
    }
  });

  it('refuses .. segments and over-long targets', () => {
    expect(() => parseProxyTarget('/api/k8s-proxy/1/../../api/v1/session')).toThrow(/"\.\."/);
    expect(() => parseProxyTarget('/api/k8s-proxy/1/api/%2e%2E/x')).toThrow(/"\.\."/);
    expect(() => parseProxyTarget(`/api/k8s-proxy/1/${'a'.repeat(MAX_TARGET_LENGTH)}`)).toThrow(/at most/);
  });

  it('maps to the same request under the proxy prefix', () => {
    const proxy = new URL('https://127.0.0.1:8154/k8s-proxy');
    expect(upstreamTarget(proxy, '/api/v1/pods?limit=1')).toBe('/k8s-proxy/api/v1/pods?limit=1');
  });

  it('tells the server which upgrades are its own', () => {
    expect(isProxyTarget('/api/k8s-proxy/1/api')).toBe(true);
    expect(isProxyTarget('/api/k8s-proxyx/1')).toBe(false);
    expect(isProxyTarget('/_next/webpack-hmr')).toBe(false);
  });
});

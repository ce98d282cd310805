import { describe, expect, it } from 'vitest';
import { TunnelHandlerRegistry } from './handler-registry';

const noop = async () => undefined;

describe('TunnelHandlerRegistry', () => {
  it('groups registered methods by service in the Descriptor', () => {
    const r = new TunnelHandlerRegistry();
    r.register('/mooring.kubernetes_api.KubernetesApi/MakeRequest', noop);
    r.register('/mooring.object_watch.ObjectWatch/Watch', noop);
    r.register('/mooring.object_watch.ObjectWatch/List', noop);
    expect(r.descriptor()).toEqual({
      services: [
        { name: 'mooring.kubernetes_api.KubernetesApi', methods: [{ name: 'MakeRequest' }] },
        { name: 'mooring.object_watch.ObjectWatch', methods: [{ name: 'Watch' }, { name: 'List' }] },
      ],
    });
    expect(r.get('/mooring.object_watch.ObjectWatch/List')).toBe(noop);
  });

  it('refuses malformed and duplicate method names', () => {
    const r = new TunnelHandlerRegistry();
    expect(() => r.register('MakeRequest', noop)).toThrow(/not a full gRPC method name/);
    r.register('/a.B/C', noop);
    expect(() => r.register('/a.B/C', noop)).toThrow(/already registered/);
  });
});

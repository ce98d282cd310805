// The loopback hop that gives each injected (receptive) link a peer name of its own, on real sockets.
import net from 'node:net';
import { Duplex, PassThrough } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { InjectedConnections } from './injected-connections';

/** Both ends of an in-memory link: `kasSide` goes to add(), `agentSide` plays agentk. */
function link() {
  const toKas = new PassThrough();
  const toAgent = new PassThrough();
  return {
    kasSide: Duplex.from({ readable: toKas, writable: toAgent }),
    agentSide: { write: (s: string) => toKas.write(s), read: toAgent },
  };
}

const once = (stream: NodeJS.EventEmitter, event: string) =>
  new Promise<unknown>((resolve) => stream.once(event, resolve));

let injected: InjectedConnections | null = null;
afterEach(() => injected?.close());

describe('InjectedConnections', () => {
  it('serves each link on a loopback socket whose peer names the owner, both ways, and forgets it on close', async () => {
    const served: net.Socket[] = [];
    injected = new InjectedConnections((socket) => served.push(socket));
    const a = link();
    const b = link();
    await injected.add(a.kasSide, { agentId: 1 });
    await injected.add(b.kasSide, { agentId: 2 });
    const [sa, sb] = served as [net.Socket, net.Socket];
    const peerA = `${sa.remoteAddress}:${sa.remotePort}`;
    const peerB = `${sb.remoteAddress}:${sb.remotePort}`;
    expect(peerA).not.toBe(peerB);
    expect(injected.ownerOf(peerA)?.agentId).toBe(1);
    expect(injected.ownerOf(peerB)?.agentId).toBe(2);

    const fromAgent = once(sa, 'data');
    a.agentSide.write('hello');
    expect(String(await fromAgent)).toBe('hello');
    const toAgent = once(a.agentSide.read, 'data');
    sa.write('world');
    expect(String(await toAgent)).toBe('world');

    const closed = once(sa, 'close');
    a.kasSide.destroy();
    await closed;
    expect(injected.ownerOf(peerA)).toBeUndefined();
    expect(injected.ownerOf(peerB)?.agentId).toBe(2);
  });

  it('drops a connection to its listener that no link dialed', async () => {
    const served: net.Socket[] = [];
    // Held only as long as a hop's 'connect' could lag behind its accept: 100 ms here.
    injected = new InjectedConnections((socket) => served.push(socket), 100);
    await injected.add(link().kasSide, { agentId: 1 });
    const stranger = net.connect({ host: '127.0.0.1', port: injected.port! });
    stranger.on('error', () => undefined);
    stranger.write('PRI * HTTP/2.0');
    await once(stranger, 'close');
    expect(served).toHaveLength(1);
  });

  it('keeps a link whose hop was accepted before its connect was seen, past the accept timeout', async () => {
    const served: net.Socket[] = [];
    injected = new InjectedConnections((socket) => served.push(socket), 100);
    // Twenty at once: the listener's accept often runs before the dialing side sees 'connect' (then the hop
    // waits among the unclaimed ones and is claimed from there).
    const links = Array.from({ length: 20 }, () => link());
    await Promise.all(links.map((l, i) => injected!.add(l.kasSide, { agentId: i + 1 })));
    expect(served).toHaveLength(20);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(served.filter((s) => s.destroyed)).toHaveLength(0);
    const echoed = once(links[0]!.agentSide.read, 'data');
    served[0]!.write('still here');
    expect(String(await echoed)).toBe('still here');
  });
});

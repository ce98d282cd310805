import tls from 'node:tls';
import { describe, expect, it } from 'vitest';
import { generateSelfSignedTls } from '../../shared/certificates';
import { explainConnectionFailure } from '../../shared/connection-failure';
import { cidrListSchema, MAX_CIDRS, ReceptiveAddressPolicy } from './address-policy';
import { dialAgentk } from './dial-agentk';

const policy = (
  allow: string,
  deny: string,
  resolve?: ConstructorParameters<typeof ReceptiveAddressPolicy>[1],
) =>
  new ReceptiveAddressPolicy(
    { allow: cidrListSchema.parse(allow), deny: cidrListSchema.parse(deny) },
    resolve,
  );

describe('receptive address policy', () => {
  it('parses CIDR lists and says which entry is wrong', () => {
    expect(cidrListSchema.parse(' 10.0.0.0/8, fd00::/8 ,192.168.1.7').map((c) => c.text)).toEqual([
      '10.0.0.0/8',
      'fd00::/8',
      '192.168.1.7',
    ]);
    expect(cidrListSchema.parse('')).toEqual([]);
    expect(cidrListSchema.safeParse('10.0.0.0/33').error?.issues[0]?.message).toContain(
      'prefix length between 0 and 32',
    );
    expect(cidrListSchema.safeParse('example.com/8').error?.issues[0]?.message).toContain(
      '“example.com/8” is not an IP network',
    );
    const many = Array.from({ length: MAX_CIDRS + 1 }, (_, i) => `10.0.${i % 256}.0/24`).join(',');
    expect(cidrListSchema.safeParse(many).error?.issues[0]?.message).toContain(`at most ${MAX_CIDRS}`);
  });

  it('deny wins over allow; IPv4-mapped IPv6 is checked as IPv4; outside the allow list is refused', () => {
    const p = policy('10.0.0.0/8,::/0', '10.9.0.0/16,169.254.0.0/16');
    expect(p.refusal('10.1.2.3')).toBeNull();
    expect(p.refusal('10.9.0.1')).toContain('MOORING_RECEPTIVE_DENY_CIDRS (10.9.0.0/16, 169.254.0.0/16)');
    expect(p.refusal('::ffff:169.254.169.254')).toContain('DENY');
    expect(p.refusal('192.168.0.1')).toContain('not in MOORING_RECEPTIVE_ALLOW_CIDRS (10.0.0.0/8, ::/0)');
    expect(p.refusal('2001:db8::1')).toBeNull();
  });

  it('a name is checked on the addresses it resolves to: denied ones are dropped, none left is refused', async () => {
    const resolve = ((
      _host: string,
      _o: unknown,
      cb: (e: null, a: { address: string; family: number }[]) => void,
    ) =>
      cb(null, [
        { address: '169.254.169.254', family: 4 },
        { address: '10.0.0.5', family: 4 },
      ])) as never;
    const p = policy('0.0.0.0/0', '169.254.0.0/16', resolve);
    const seen: string[] = [];
    const got = await new Promise((resolve) =>
      p.lookup((a) => seen.push(...a))('agent.example', { all: true }, (_e, addresses) => resolve(addresses)),
    );
    expect(got).toEqual([{ address: '10.0.0.5', family: 4 }]);
    expect(seen).toEqual(['10.0.0.5']);
    const strict = policy('192.168.0.0/16', '', resolve);
    const err = await new Promise<Error | null>((resolve) =>
      strict.lookup()('agent.example', {}, (e) => resolve(e)),
    );
    expect(explainConnectionFailure(err, { address: 'grpcs://agent.example:8082' })).toMatchObject({
      kind: 'address_denied',
    });
  });

  it('the dial refuses a denied IP literal before opening a socket, and a denied name after DNS', async () => {
    const { certPem, keyPem } = generateSelfSignedTls(['x']);
    const server = tls.createServer({ cert: certPem, key: keyPem });
    let connections = 0;
    server.on('connection', () => connections++);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const port = (server.address() as { port: number }).port;
    const creds = { auth: 'mtls' as const, serverCheck: { caCert: null, serverName: null } };
    const deny = policy('0.0.0.0/0,::/0', '127.0.0.0/8,::1/128');
    await expect(
      dialAgentk({ ...creds, url: `grpcs://127.0.0.1:${port}` }, { policy: deny, jwt: async () => null }),
    ).rejects.toMatchObject({ kind: 'address_denied' });
    await expect(
      dialAgentk({ ...creds, url: `grpcs://localhost:${port}` }, { policy: deny, jwt: async () => null }),
    ).rejects.toMatchObject({ kind: 'address_denied' });
    expect(connections).toBe(0);
    await new Promise<void>((r) => server.close(() => r()));
  });
});

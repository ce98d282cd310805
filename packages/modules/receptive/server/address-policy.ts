// Which addresses a receptive endpoint may make kas dial (MOORING_RECEPTIVE_ALLOW_CIDRS / _DENY_CIDRS): an endpoint is
// typed by a Maintainer, and without a limit kas would open connections anywhere it can reach — a port scanner behind
// a form, and a way to the cloud's metadata service. The check is on the address actually dialed, after DNS (a name
// that resolves to a denied address is refused; no second lookup can swap it), in the dialer and in Test connection.
import dns from 'node:dns';
import { BlockList, isIP, type LookupFunction } from 'node:net';
import { z } from 'zod';
import { ExplainedConnectionError } from '../../shared/connection-failure';

/** At most this many CIDRs per list (a setting an operator types; bounded like everything else). */
export const MAX_CIDRS = 100;

interface Cidr {
  text: string;
  network: string;
  prefix: number;
  family: 'ipv4' | 'ipv6';
}

function parseCidr(raw: string): Cidr | string {
  const text = raw.trim();
  const slash = text.indexOf('/');
  const network = slash < 0 ? text : text.slice(0, slash);
  const version = isIP(network);
  if (version === 0) return `“${text}” is not an IP network (for example 10.0.0.0/8 or fd00::/8)`;
  const max = version === 4 ? 32 : 128;
  const prefixText = slash < 0 ? String(max) : text.slice(slash + 1);
  const prefix = /^\d{1,3}$/.test(prefixText) ? Number(prefixText) : NaN;
  if (!(prefix >= 0 && prefix <= max)) return `“${text}” needs a prefix length between 0 and ${max}`;
  return { text, network, prefix, family: version === 4 ? 'ipv4' : 'ipv6' };
}

/** A comma-separated CIDR list setting ("" is an empty list). */
export const cidrListSchema = z.string().transform((value, ctx) => {
  const parts = value
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean);
  if (parts.length > MAX_CIDRS) {
    ctx.addIssue({ code: 'custom', message: `expected at most ${MAX_CIDRS} CIDRs, got ${parts.length}` });
    return z.NEVER;
  }
  const out: Cidr[] = [];
  for (const part of parts) {
    const cidr = parseCidr(part);
    if (typeof cidr === 'string') {
      ctx.addIssue({ code: 'custom', message: `expected comma-separated CIDRs: ${cidr}` });
      return z.NEVER;
    }
    out.push(cidr);
  }
  return out;
});

export type CidrList = z.output<typeof cidrListSchema>;

type Family = 'ipv4' | 'ipv6';

/** One list per family: Node's BlockList matches IPv4 addresses against IPv6 rules too (::/0 would allow 10.0.0.1). */
function blockLists(cidrs: CidrList): Record<Family, BlockList> {
  const lists = { ipv4: new BlockList(), ipv6: new BlockList() };
  for (const c of cidrs) lists[c.family].addSubnet(c.network, c.prefix, c.family);
  return lists;
}

export class ReceptiveAddressPolicy {
  private readonly allow: Record<Family, BlockList>;
  private readonly deny: Record<Family, BlockList>;

  constructor(
    private readonly lists: { allow: CidrList; deny: CidrList },
    private readonly resolve: typeof dns.lookup = dns.lookup,
  ) {
    this.allow = blockLists(lists.allow);
    this.deny = blockLists(lists.deny);
  }

  /** Why kas may not dial `ip`, or null. Deny wins over allow. */
  refusal(ip: string): string | null {
    const family: Family = isIP(ip) === 6 ? 'ipv6' : 'ipv4';
    // An IPv4-mapped IPv6 address (::ffff:10.0.0.1) is checked as the IPv4 address it reaches.
    const mapped = family === 'ipv6' ? /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip)?.[1] : undefined;
    const [addr, fam] = mapped ? [mapped, 'ipv4' as const] : [ip, family];
    if (this.deny[fam].check(addr, fam))
      return `${ip} is in MOORING_RECEPTIVE_DENY_CIDRS (${this.lists.deny.map((c) => c.text).join(', ')})`;
    if (!this.allow[fam].check(addr, fam))
      return `${ip} is not in MOORING_RECEPTIVE_ALLOW_CIDRS (${this.lists.allow.map((c) => c.text).join(', ') || 'empty'})`;
    return null;
  }

  /** Throws `address_denied` when an IP literal may not be dialed (Node does not look IP literals up). */
  checkLiteral(host: string): void {
    if (isIP(host)) this.throwIfRefused(host);
  }

  private throwIfRefused(ip: string): void {
    const why = this.refusal(ip);
    if (why)
      throw new ExplainedConnectionError(
        'address_denied',
        `kas may not dial ${ip}: ${why}`,
        'use an address the kas administrator allows, or ask them to change MOORING_RECEPTIVE_ALLOW_CIDRS / MOORING_RECEPTIVE_DENY_CIDRS',
      );
  }

  /**
   * A `lookup` for net/tls.connect: resolves as usual and keeps only allowed addresses; when none is left the
   * connection fails with `address_denied`. `onResolved` sees the addresses kept (Test connection's DNS step).
   */
  lookup(onResolved?: (addresses: string[]) => void): LookupFunction {
    return (hostname, options, callback) => {
      this.resolve(hostname, { ...options, all: true }, (err, addresses) => {
        if (err) return callback(err, '', 0);
        const all = addresses as dns.LookupAddress[];
        if (all.length === 0)
          return callback(
            Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' }),
            '',
            0,
          );
        const allowed = all.filter((a) => this.refusal(a.address) === null);
        if (allowed.length === 0) {
          try {
            this.throwIfRefused(all[0]!.address);
          } catch (refused) {
            return callback(refused as NodeJS.ErrnoException, '', 0);
          }
        }
        onResolved?.(allowed.map((a) => a.address));
        if (options.all)
          return (callback as unknown as (e: null, a: dns.LookupAddress[]) => void)(null, allowed);
        callback(null, allowed[0]!.address, allowed[0]!.family);
      });
    };
  }
}

// Who may read the status and metrics pages: addresses and CIDR subnets
// (IPv4 or IPv6), checked against the socket's real peer address as the
// native side accepted it (never a header). Loopback only by default.
import { BlockList, isIP } from 'node:net';

export const LOOPBACK: readonly string[] = ['127.0.0.0/8', '::1'];

export class PeerAllowList {
  private readonly list = new BlockList();
  private readonly allowAll: boolean;

  constructor(entries: readonly string[]) {
    this.allowAll = entries.includes('*');
    for (const e of entries) {
      if (e === '*') continue;
      const slash = e.indexOf('/');
      const addr = slash < 0 ? e : e.slice(0, slash);
      const family = isIP(addr);
      if (family === 0) throw new RangeError(`brigade: status.allow: not an IP address or subnet: ${JSON.stringify(e)}`);
      const type = family === 4 ? 'ipv4' : 'ipv6';
      if (slash < 0) {
        this.list.addAddress(addr, type);
      } else {
        const bits = e.slice(slash + 1);
        const prefix = /^[0-9]{1,3}$/.test(bits) ? Number(bits) : -1;
        if (prefix < 0 || prefix > (family === 4 ? 32 : 128)) throw new RangeError(`brigade: status.allow: bad prefix length in ${JSON.stringify(e)}`);
        this.list.addSubnet(addr, prefix, type);
      }
    }
  }

  allows(peer: string): boolean {
    if (this.allowAll) return true;
    const family = isIP(peer);
    if (family === 0) return false;
    return this.list.check(peer, family === 4 ? 'ipv4' : 'ipv6');
  }
}

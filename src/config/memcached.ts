import { INetworkPeer, peerOfHost, splitHostPort } from '../wiring/connections';
import { PORTS } from '../ports';

/**
 * External memcached servers, as the store's index cache and the frontend's results cache take them
 * (this library does not deploy memcached): `host:port`, or a `dns+`/`dnssrv+`/`dnssrvnoa+` name.
 */
const ADDRESS = /^(dns\+|dnssrv\+|dnssrvnoa\+)?[^\s/:]+(:\d{1,5})?$/;
const SRV = /^dnssrv(noa)?\+/;

/** Problems with the addresses of `what` (e.g. 'indexCache memcached'). */
export function memcachedAddressProblems(what: string, addresses: string[], peer?: INetworkPeer): string[] {
  if (addresses.length === 0) return [`${what} has no addresses: give at least one, e.g. "dnssrvnoa+_memcached._tcp.memcached.monitoring.svc"`];
  return addresses.flatMap((a) => {
    if (!ADDRESS.test(a)) return [`${what} address ${JSON.stringify(a)} is not valid: give host:port or a dns+/dnssrv+ name, without scheme or path`];
    // SRV records carry the port; every other form needs one.
    if (!SRV.test(a) && !/:\d+$/.test(a))
      return [`${what} address ${JSON.stringify(a)} has no port: write "${a}:${PORTS.memcached.port}" or use "dnssrvnoa+_memcached._tcp.<service>"`];
    const port = portOf(a);
    if (port < 1 || port > 65535) return [`${what} address ${JSON.stringify(a)} has port ${port} outside 1-65535: fix the port`];
    return peer || peerOf(a)
      ? []
      : [
          `${what} address ${JSON.stringify(a)} may be inside the cluster but names no namespace, so no NetworkPolicy can admit it: write "<service>.<namespace>.svc", or give networkPeer (e.g. NetworkPeer.pods({ app: "memcached" }, "<namespace>"))`,
        ];
  });
}

/**
 * NetworkPolicy egress to the servers: each address's port (11211 for SRV names), to `peer` or to the
 * peer its host implies (memcached almost always runs in the cluster, where only selectors match).
 */
export function memcachedEgress(addresses: string[], peer?: INetworkPeer): Array<{ peer: INetworkPeer; port: number }> {
  return addresses.flatMap((a) => {
    const to = peer ?? peerOf(a);
    return to ? [{ peer: to, port: portOf(a) }] : [];
  });
}

function peerOf(address: string): INetworkPeer | undefined {
  return peerOfHost(splitHostPort(address.replace(/^dns(srv(noa)?)?\+/, ''), PORTS.memcached.port).host);
}

function portOf(address: string): number {
  const m = /:(\d+)$/.exec(address);
  return m ? Number(m[1]) : PORTS.memcached.port;
}

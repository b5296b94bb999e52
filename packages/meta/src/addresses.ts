// How a META node is addressed. Operators name each META node by the address of its MetaService
// (`--peers 1=10.0.0.1:8091,...`); the node's Raft traffic is served on the same port (the Raft
// transport shares the MetaService's gRPC server), so the peer list, the CLI, Raft's membership
// and the state's META node records all use one address per node.

export class AddressError extends Error {
  override name = 'AddressError';
}

export interface HostPort {
  readonly host: string;
  readonly port: number;
}

/** Splits `host:port` (IPv6 hosts in brackets: `[::1]:8091`). */
export function parseHostPort(address: string): HostPort {
  const i = address.lastIndexOf(':');
  if (i <= 0) throw new AddressError(`address "${address}" is not host:port`);
  const host = address.slice(0, i);
  const portText = address.slice(i + 1);
  const port = Number(portText);
  if (!/^[0-9]{1,5}$/.test(portText) || port > 65535) throw new AddressError(`address "${address}" has no valid port`);
  if (host.includes(':') && !(host.startsWith('[') && host.endsWith(']'))) throw new AddressError(`IPv6 address "${address}" needs brackets`);
  return { host, port };
}

/** `address` with another port: a node asked to listen on port 0 is reached at the one it got. */
export function withPort(address: string, port: number): string {
  return `${parseHostPort(address).host}:${port}`;
}

/**
 * Reads `1=127.0.0.1:8091,2=127.0.0.1:8092`: META node ids (Raft ids) to MetaService addresses, in
 * the order given.
 */
export function parsePeers(list: string): Map<string, string> {
  const peers = new Map<string, string>();
  for (const item of list.split(',')) {
    const pair = item.trim();
    if (pair === '') continue;
    const eq = pair.indexOf('=');
    if (eq <= 0 || eq === pair.length - 1) throw new AddressError(`peer "${pair}" is not id=host:port`);
    const id = pair.slice(0, eq);
    const address = pair.slice(eq + 1);
    parseHostPort(address);
    if (peers.has(id)) throw new AddressError(`peer ${id} is listed twice`);
    peers.set(id, address);
  }
  return peers;
}

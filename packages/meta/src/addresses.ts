// How a META node's addresses relate. Operators name each META node by the address of its
// MetaService (`--peers 1=10.0.0.1:8091,...`); the node's Raft transport listens on the next port
// of the same host (8092). One name per node keeps the peer list, the CLI and the state's META node
// records in agreement; the second port exists because the Raft transport owns its gRPC server.

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

/** The Raft transport address of the META node whose MetaService listens at `metaAddress`. */
export function raftAddressFor(metaAddress: string): string {
  const { host, port } = parseHostPort(metaAddress);
  if (port === 0 || port >= 65535) throw new AddressError(`address "${metaAddress}" leaves no port for Raft (the next one is used)`);
  return `${host}:${port + 1}`;
}

/**
 * Reads `1=127.0.0.1:8091,2=127.0.0.1:8093`: META node ids (Raft ids) to MetaService addresses, in
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

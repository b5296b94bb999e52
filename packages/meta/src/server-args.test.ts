import { describe, expect, it } from 'vitest';
import { AddressError, parsePeers, withPort } from './addresses.js';
import { UsageError, parseMetaServerArgs } from './server-args.js';

describe('META node addresses and command line', () => {
  it('replace the port of an address for a node that listened on port 0, IPv6 included', () => {
    expect(withPort('127.0.0.1:0', 40123)).toBe('127.0.0.1:40123');
    expect(withPort('[::1]:0', 40123)).toBe('[::1]:40123');
    expect(() => withPort('::1:0', 1)).toThrow('needs brackets');
  });

  it('read a peer list in order and refuse duplicates and missing ports', () => {
    expect([...parsePeers('1=a:8091, 2=b:8093,3=c:8095')]).toEqual([
      ['1', 'a:8091'],
      ['2', 'b:8093'],
      ['3', 'c:8095'],
    ]);
    expect(() => parsePeers('1=a:8091,1=b:8093')).toThrow('listed twice');
    expect(() => parsePeers('1=a')).toThrow(AddressError);
    expect(() => parsePeers('a:8091')).toThrow('is not id=host:port');
  });

  it('turn flags into MetaServer options', () => {
    const args = parseMetaServerArgs(['--id', '2', '--peers', '1=h:8091,2=h:8093', '--dir=/tmp/m2', '--join', '--tick-ms', '50', '--no-sync', '--log-level', 'warn']);
    expect(args.logLevel).toBe('warn');
    expect(args.options).toEqual({ id: '2', peers: new Map([['1', 'h:8091'], ['2', 'h:8093']]), dir: '/tmp/m2', join: true, sync: false, tickMs: 50 });
    const duties = parseMetaServerArgs(['--id', '1', '--peers', '1=h:1', '--dir', 'd', '--retention-check-interval-ms', '60000', '--no-retention', '--data-node-timeout-ms', '5000']);
    expect(duties.options.duties).toEqual({ dataNodeTimeoutMs: 5000, retentionCheckIntervalMs: 60_000, expireShardGroups: false });
    expect(() => parseMetaServerArgs(['--id', '1', '--dir', 'd'])).toThrow(new UsageError('--peers is required'));
    expect(() => parseMetaServerArgs(['--id', '1', '--peers', '1=h:1', '--dir', 'd', '--tick-ms', '0'])).toThrow('--tick-ms must be a positive integer');
    expect(() => parseMetaServerArgs(['--id', '1', '--peers', '1=h:1', '--dir', 'd', '--bogus'])).toThrow('unknown flag --bogus');
  });
});

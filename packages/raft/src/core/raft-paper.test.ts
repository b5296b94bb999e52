// One test per rule of the Raft paper (Ongaro & Ousterhout, "In Search of an Understandable
// Consensus Algorithm", extended version) and of the thesis chapters it points to. Each test sets
// up the smallest situation in which the rule matters and checks exactly that rule.

import { describe, expect, it } from 'vitest';
import { Net, textData } from '../sim/net.js';
import { RaftCore, bootstrapState, defaultRaftConfig } from './raft.js';
import type { RaftConfig } from './raft.js';
import type { Entry, Message } from './types.js';
import { message } from './types.js';

const NO_PREVOTE: Partial<RaftConfig> = { preVote: false, checkQuorum: false };

function core(id: string, voters: string[], overrides: Partial<RaftConfig> = {}, entries?: Entry[], term = 1): RaftCore {
  const boot = bootstrapState(voters);
  const c = new RaftCore(defaultRaftConfig(id, { ...NO_PREVOTE, ...overrides }), {
    hardState: { term, vote: null, commit: 1 },
    snapshot: null,
    entries: entries ?? boot.entries,
  });
  drain(c);
  return c;
}

/** Runs Readies to completion as a driver would (nothing is sent anywhere) and returns the messages. */
function drain(c: RaftCore): Message[] {
  const out: Message[] = [];
  while (c.hasReady()) {
    const rd = c.ready();
    out.push(...rd.earlyMessages, ...rd.messages);
    c.advance(rd);
  }
  return out;
}

function ent(index: number, term: number, data = ''): Entry {
  return { index, term, type: 'normal', data: textData(data) };
}

function logWith(voters: string[], terms: number[]): Entry[] {
  const boot = bootstrapState(voters).entries;
  return [...boot, ...terms.map((t, i) => ent(i + 2, t))];
}

/** Elects `id` in a fresh net and settles. */
function electedNet(voters: string[], id: string, overrides: Partial<RaftConfig> = NO_PREVOTE): Net {
  const net = new Net(voters, overrides);
  net.campaign(id);
  net.stabilize();
  expect(net.core(id).role).toBe('leader');
  return net;
}

describe('§5.1 server states and terms', () => {
  it('servers start as followers', () => {
    const c = core('a', ['a', 'b', 'c']);
    expect(c.role).toBe('follower');
    expect(c.leader).toBeNull();
  });

  it.each(['follower', 'candidate', 'leader'] as const)(
    'a %s that sees a higher term adopts it and becomes a follower',
    (role) => {
      const net = new Net(['a', 'b', 'c'], NO_PREVOTE);
      if (role === 'candidate') net.campaign('a');
      if (role === 'leader') {
        net.campaign('a');
        net.stabilize();
      }
      expect(net.core('a').role).toBe(role);
      const term = net.core('a').term;
      net.core('a').step(message({ type: 'app', from: 'b', to: 'a', term: term + 5, index: 0, logTerm: 0 }));
      expect(net.core('a').role).toBe('follower');
      expect(net.core('a').term).toBe(term + 5);
      expect(net.core('a').leader).toBe('b');
    },
  );

  it('a request carrying a stale term is rejected', () => {
    const c = core('a', ['a', 'b', 'c'], {}, undefined, 5);
    c.step(message({ type: 'vote', from: 'b', to: 'a', term: 3, index: 99, logTerm: 99 }));
    c.step(message({ type: 'app', from: 'b', to: 'a', term: 3, index: 1, logTerm: 1, entries: [ent(2, 3)] }));
    const out = drain(c);
    expect(c.term).toBe(5);
    expect(c.log.lastIndex()).toBe(1);
    expect(out.filter((m) => m.type === 'voteResp' && !m.reject)).toEqual([]);
  });
});

describe('§5.2 leader election', () => {
  it('a leader sends heartbeats to every follower each heartbeat interval', () => {
    const net = electedNet(['a', 'b', 'c'], 'a');
    net.core('a').tick();
    const rd = net.core('a').ready();
    const hbs = rd.earlyMessages.filter((m) => m.type === 'heartbeat');
    expect(hbs.map((m) => m.to).sort()).toEqual(['b', 'c']);
    net.core('a').advance(rd);
  });

  it('a follower that hears nothing for an election timeout starts an election: new term, votes for itself, asks all', () => {
    const c = core('a', ['a', 'b', 'c'], { electionTicks: 10 });
    let out: Message[] = [];
    for (let i = 0; i < 20 && c.role === 'follower'; i++) {
      c.tick();
      out = drain(c);
    }
    expect(c.role).toBe('candidate');
    expect(c.term).toBe(2);
    expect(c.vote).toBe('a');
    expect(out.filter((m) => m.type === 'vote').map((m) => [m.to, m.term])).toEqual([
      ['b', 2],
      ['c', 2],
    ]);
  });

  it('election timeouts are randomised within [electionTimeout, 2 × electionTimeout)', () => {
    const seen = new Set<number>();
    for (let seed = 1; seed <= 200; seed++) {
      const c = core('a', ['a', 'b', 'c'], { electionTicks: 10, randomSeed: seed });
      let ticks = 0;
      while (c.role === 'follower') {
        c.tick();
        ticks++;
      }
      expect(ticks).toBeGreaterThanOrEqual(10);
      expect(ticks).toBeLessThan(20);
      seen.add(ticks);
    }
    expect(seen.size).toBeGreaterThan(5);
  });

  it('a candidate that wins votes from a majority becomes leader', () => {
    const c = core('a', ['a', 'b', 'c', 'd', 'e']);
    c.campaign();
    drain(c);
    c.step(message({ type: 'voteResp', from: 'b', to: 'a', term: 2 }));
    expect(c.role).toBe('candidate');
    c.step(message({ type: 'voteResp', from: 'c', to: 'a', term: 2 }));
    expect(c.role).toBe('leader');
  });

  it('a candidate rejected by a majority returns to follower', () => {
    const c = core('a', ['a', 'b', 'c']);
    c.campaign();
    drain(c);
    c.step(message({ type: 'voteResp', from: 'b', to: 'a', term: 2, reject: true }));
    expect(c.role).toBe('candidate');
    c.step(message({ type: 'voteResp', from: 'c', to: 'a', term: 2, reject: true }));
    expect(c.role).toBe('follower');
  });

  it('each server votes for at most one candidate per term, first come first served', () => {
    const c = core('a', ['a', 'b', 'c']);
    c.step(message({ type: 'vote', from: 'b', to: 'a', term: 2, index: 1, logTerm: 1 }));
    c.step(message({ type: 'vote', from: 'c', to: 'a', term: 2, index: 1, logTerm: 1 }));
    c.step(message({ type: 'vote', from: 'b', to: 'a', term: 2, index: 1, logTerm: 1 }));
    const resps = drain(c).filter((m) => m.type === 'voteResp');
    expect(resps.map((m) => [m.to, m.reject])).toEqual([
      ['b', false],
      ['c', true],
      ['b', false],
    ]);
    expect(c.vote).toBe('b');
  });

  it('a candidate that receives AppendEntries from a leader of its term steps down', () => {
    const c = core('a', ['a', 'b', 'c']);
    c.campaign();
    drain(c);
    c.step(message({ type: 'app', from: 'b', to: 'a', term: 2, index: 1, logTerm: 1 }));
    expect(c.role).toBe('follower');
    expect(c.leader).toBe('b');
  });

  it('split votes are resolved: some node eventually wins after randomised timeouts', () => {
    const net = new Net(['a', 'b', 'c', 'd'], NO_PREVOTE);
    // a and b campaign at once and split the four votes two–two.
    net.core('a').campaign();
    net.core('b').campaign();
    net.processAll();
    const firstRound = (m: Message): boolean => (m.type === 'vote' && (m.to === 'c' || m.to === 'd'));
    const toC = net.take((m) => firstRound(m) && m.from === 'a' && m.to === 'c')!;
    const toD = net.take((m) => firstRound(m) && m.from === 'b' && m.to === 'd')!;
    net.deliver(toC);
    net.deliver(toD);
    net.stabilize();
    expect(net.leader()).toBeNull();
    for (let i = 0; i < 100 && net.leader() === null; i++) {
      net.tickAll();
      net.stabilize();
    }
    expect(net.leader()).not.toBeNull();
  });
});

describe('§5.3 log replication', () => {
  it('the leader appends a command to its log and sends it to every follower', () => {
    const net = electedNet(['a', 'b', 'c'], 'a');
    const r = net.core('a').propose(textData('x'));
    expect(r.ok).toBe(true);
    const rd = net.core('a').ready();
    expect(rd.entries.map((e) => e.index)).toEqual([3]);
    // A leader's appends may leave while its own write is in progress.
    const apps = rd.earlyMessages.filter((m) => m.type === 'app');
    expect(rd.messages.filter((m) => m.type === 'app')).toEqual([]);
    expect(apps.map((m) => [m.to, m.index, m.logTerm, m.entries.length])).toEqual([
      ['b', 2, 2, 1],
      ['c', 2, 2, 1],
    ]);
    net.core('a').advance(rd);
  });

  it('an entry is committed once the leader has replicated it on a majority, then applied everywhere', () => {
    const net = electedNet(['a', 'b', 'c'], 'a');
    net.cutLink('a', 'c');
    net.propose('a', 'x');
    net.stabilize();
    expect(net.core('a').log.committed).toBe(3);
    expect(net.appliedCommands('a')).toEqual(['x']);
    expect(net.core('c').log.lastIndex()).toBe(2);
    net.heal();
    net.tickAll();
    net.stabilize();
    expect(net.appliedCommands('c')).toEqual(['x']);
  });

  it('the leader does not commit with a minority', () => {
    const net = electedNet(['a', 'b', 'c'], 'a');
    net.isolate('a');
    net.propose('a', 'x');
    net.stabilize();
    expect(net.core('a').log.committed).toBe(2);
  });

  it('a follower rejects AppendEntries whose previous entry it does not hold', () => {
    const c = core('b', ['a', 'b', 'c'], {}, logWith(['a', 'b', 'c'], [1]), 2);
    c.step(message({ type: 'app', from: 'a', to: 'b', term: 2, index: 2, logTerm: 2, entries: [ent(3, 2)] }));
    const [resp] = drain(c).filter((m) => m.type === 'appResp');
    expect(resp!.reject).toBe(true);
    expect(c.log.lastIndex()).toBe(2);
  });

  it('a follower deletes a conflicting entry and everything after it, then appends the new ones', () => {
    const c = core('b', ['a', 'b', 'c'], {}, logWith(['a', 'b', 'c'], [1, 2, 2]), 3);
    c.step(message({ type: 'app', from: 'a', to: 'b', term: 3, index: 2, logTerm: 1, entries: [ent(3, 3)] }));
    const out = drain(c);
    expect([1, 2, 3].map((i) => c.log.termAt(i))).toEqual([1, 1, 3]);
    expect(c.log.lastIndex()).toBe(3);
    expect(out.find((m) => m.type === 'appResp')!.index).toBe(3);
  });

  it('on rejection the leader backs nextIndex off past the whole conflicting term and retries', () => {
    // The follower holds a long run of term-2 entries the leader never had.
    const voters = ['a', 'b', 'c'];
    const leaderLog = logWith(voters, [1, 1, 1, 3, 3]);
    const followerLog = logWith(voters, [1, 2, 2, 2, 2, 2, 2, 2]);
    const net = new Net(voters, NO_PREVOTE);
    net.node('a').disk.entries = leaderLog;
    net.node('a').disk.hardState = { term: 3, vote: null, commit: 1 };
    net.node('b').disk.entries = followerLog;
    net.node('b').disk.hardState = { term: 3, vote: null, commit: 1 };
    net.node('c').disk.entries = leaderLog.slice();
    net.node('c').disk.hardState = { term: 3, vote: null, commit: 1 };
    for (const id of voters) net.restart(id);
    net.delivered = [];
    net.campaign('a');
    net.stabilize();
    expect(net.core('a').role).toBe('leader');
    const rejections = net.delivered.filter((m) => m.type === 'appResp' && m.from === 'b' && m.reject);
    // b's divergent entries are skipped a term at a time (one round trip for the leader's term-3
    // run, one for b's term-2 run), not walked entry by entry (which would take five).
    expect(rejections.length).toBe(2);
    const aLog = net.node('a').disk.entries.map((e) => e.term);
    expect(net.node('b').disk.entries.map((e) => e.term)).toEqual(aLog);
  });

  it('a leader never overwrites or deletes entries in its own log', () => {
    const voters = ['a', 'b', 'c'];
    const c = core('a', voters, {}, logWith(voters, [2, 2]), 2);
    c.campaign();
    drain(c);
    c.step(message({ type: 'voteResp', from: 'b', to: 'a', term: 3 }));
    expect(c.role).toBe('leader');
    drain(c);
    // An append from a node claiming the same term is impossible for a correct peer; it is ignored.
    c.step(message({ type: 'app', from: 'b', to: 'a', term: 3, index: 1, logTerm: 1, entries: [ent(2, 3)] }));
    expect(c.role).toBe('leader');
    expect([2, 3].map((i) => c.log.termAt(i))).toEqual([2, 2]);
  });
});

describe('§5.4 safety', () => {
  it('§5.4.1 a voter denies its vote to a candidate whose log is less up-to-date', () => {
    const voters = ['a', 'b', 'c'];
    const c = core('a', voters, {}, logWith(voters, [2, 2]), 2);
    c.step(message({ type: 'vote', from: 'b', to: 'a', term: 3, index: 5, logTerm: 1 }));
    c.step(message({ type: 'vote', from: 'c', to: 'a', term: 4, index: 2, logTerm: 2 }));
    c.step(message({ type: 'vote', from: 'b', to: 'a', term: 5, index: 3, logTerm: 2 }));
    const resps = drain(c).filter((m) => m.type === 'voteResp');
    expect(resps.map((m) => [m.from, m.to, m.term, m.reject])).toEqual([
      ['a', 'b', 3, true],
      ['a', 'c', 4, true],
      ['a', 'b', 5, false],
    ]);
  });

  it('§5.4.2 a leader does not commit an entry from an earlier term by counting replicas', () => {
    const voters = ['a', 'b', 'c'];
    // a was leader in term 2 and wrote entry 2 only locally; it is now re-elected in term 3.
    const c = core('a', voters, {}, logWith(voters, [2]), 2);
    c.campaign();
    drain(c);
    c.step(message({ type: 'voteResp', from: 'b', to: 'a', term: 3 }));
    drain(c);
    expect(c.role).toBe('leader');
    // b acknowledges entry 2 (term 2) but not yet the term-3 no-op at 3: nothing commits.
    c.step(message({ type: 'appResp', from: 'b', to: 'a', term: 3, index: 2 }));
    drain(c);
    expect(c.log.committed).toBe(1);
    // Once the no-op of term 3 is on a majority, entry 2 commits with it.
    c.step(message({ type: 'appResp', from: 'b', to: 'a', term: 3, index: 3 }));
    drain(c);
    expect(c.log.committed).toBe(3);
  });

  it('§5.4 leader completeness: an elected leader holds every committed entry', () => {
    const net = electedNet(['a', 'b', 'c', 'd', 'e'], 'a');
    net.cutLink('a', 'd');
    net.cutLink('a', 'e');
    net.propose('a', 'x');
    net.stabilize();
    expect(net.core('a').log.committed).toBe(3);
    net.heal();
    net.isolate('a');
    // d and e lack entry 3: neither can win, whoever starts.
    net.campaign('d');
    net.stabilize();
    expect(net.core('d').role).not.toBe('leader');
    net.campaign('b');
    net.stabilize();
    expect(net.core('b').role).toBe('leader');
    expect(net.core('b').log.termAt(3)).toBe(2);
  });

  it('§5.5 a follower persists before it acknowledges: the append response is in the same Ready as the entries', () => {
    const voters = ['a', 'b', 'c'];
    const c = core('b', voters, {}, undefined, 2);
    c.step(message({ type: 'app', from: 'a', to: 'b', term: 2, index: 1, logTerm: 1, entries: [ent(2, 2)] }));
    const rd = c.ready();
    expect(rd.entries.map((e) => e.index)).toEqual([2]);
    expect(rd.messages.find((m) => m.type === 'appResp')!.index).toBe(2);
    // And the next Ready is withheld until this one is advanced.
    expect(c.hasReady()).toBe(false);
    expect(() => c.ready()).toThrow();
    c.advance(rd);
  });
});

describe('§6 cluster membership changes', () => {
  it('a learner receives the log but neither votes nor counts toward commit', () => {
    const net = electedNet(['a', 'b', 'c'], 'a');
    net.addNode('d');
    expect(net.core('a').proposeConfChange({ type: 'addLearner', id: 'd' }).ok).toBe(true);
    net.stabilize();
    net.tickAll();
    net.stabilize();
    expect(net.core('d').confState().learners).toEqual(['d']);
    expect(net.core('d').log.lastIndex()).toBe(net.core('a').log.lastIndex());
    // With b and c cut off, a and the learner d are not a quorum.
    net.cutLink('a', 'b');
    net.cutLink('a', 'c');
    net.propose('a', 'x');
    net.stabilize();
    expect(net.core('a').log.committed).toBeLessThan(net.core('a').log.lastIndex());
    // A learner never campaigns.
    net.core('d').campaign();
    expect(net.core('d').role).toBe('follower');
  });

  it('a promoted learner votes and counts', () => {
    const net = electedNet(['a', 'b', 'c'], 'a');
    net.addNode('d');
    net.core('a').proposeConfChange({ type: 'addLearner', id: 'd' });
    net.stabilize();
    expect(net.core('a').proposeConfChange({ type: 'promote', id: 'd' }).ok).toBe(true);
    net.stabilize();
    net.tickAll();
    net.stabilize();
    expect(net.core('a').confState().voters).toEqual(['a', 'b', 'c', 'd']);
    // Four voters need three: a, b and d commit without c.
    net.cutLink('a', 'c');
    net.propose('a', 'y');
    net.stabilize();
    expect(net.appliedCommands('a')).toEqual(['y']);
  });

  it('only one membership change may be pending at a time', () => {
    const net = electedNet(['a', 'b', 'c'], 'a');
    expect(net.core('a').proposeConfChange({ type: 'addLearner', id: 'd' }).ok).toBe(true);
    const second = net.core('a').proposeConfChange({ type: 'addLearner', id: 'e' });
    expect(second).toMatchObject({ ok: false, reason: 'confChangePending' });
  });

  it('a new leader may not change membership before an entry of its own term is applied', () => {
    const c = core('a', ['a', 'b', 'c']);
    c.campaign();
    drain(c);
    c.step(message({ type: 'voteResp', from: 'b', to: 'a', term: 2 }));
    drain(c);
    expect(c.role).toBe('leader');
    expect(c.proposeConfChange({ type: 'remove', id: 'c' })).toMatchObject({ ok: false, reason: 'confChangePending' });
    c.step(message({ type: 'appResp', from: 'b', to: 'a', term: 2, index: 2 }));
    drain(c);
    expect(c.proposeConfChange({ type: 'remove', id: 'c' }).ok).toBe(true);
  });

  it('a leader that removes itself steps down once the removal is applied, and another node takes over', () => {
    const net = electedNet(['a', 'b', 'c'], 'a');
    expect(net.core('a').proposeConfChange({ type: 'remove', id: 'a' }).ok).toBe(true);
    net.stabilize();
    expect(net.core('a').role).toBe('follower');
    net.stabilize();
    for (let i = 0; i < 50 && net.leader() === null; i++) {
      net.tickAll();
      net.stabilize();
    }
    const leader = net.leader();
    expect(leader === 'b' || leader === 'c').toBe(true);
    expect(net.core(leader!).confState().voters).toEqual(['b', 'c']);
  });

  it('invalid changes are refused', () => {
    const net = electedNet(['a', 'b', 'c'], 'a');
    net.stabilize();
    expect(net.core('a').proposeConfChange({ type: 'promote', id: 'b' })).toMatchObject({ ok: false, reason: 'invalidConfChange' });
    expect(net.core('a').proposeConfChange({ type: 'addLearner', id: 'c' })).toMatchObject({ ok: false });
    expect(net.core('a').proposeConfChange({ type: 'remove', id: 'z' })).toMatchObject({ ok: false });
  });
});

describe('§7 log compaction', () => {
  it('a leader sends its snapshot to a follower that needs compacted entries, and the follower catches up', () => {
    const net = electedNet(['a', 'b', 'c'], 'a');
    net.isolate('c');
    for (let i = 0; i < 10; i++) net.propose('a', `w${i}`);
    net.stabilize();
    net.snapshot('a');
    expect(net.core('a').log.firstIndex()).toBeGreaterThan(3);
    net.heal();
    net.delivered = [];
    for (let i = 0; i < 5; i++) {
      net.tickAll();
      net.stabilize();
    }
    expect(net.delivered.filter((m) => m.type === 'snap' && m.to === 'c').length).toBe(1);
    expect(net.appliedCommands('c')).toEqual(net.appliedCommands('a'));
    expect(net.core('c').log.lastIndex()).toBe(net.core('a').log.lastIndex());
  });

  it('a follower installing a snapshot discards its entire conflicting log', () => {
    const voters = ['a', 'b', 'c'];
    const c = core('c', voters, {}, logWith(voters, [2, 2, 2]), 2);
    const meta = { index: 6, term: 3, conf: { voters, learners: [] } };
    c.step(message({ type: 'snap', from: 'a', to: 'c', term: 3, snapshot: meta, snapshotData: textData('[]') }));
    const rd = c.ready();
    expect(rd.snapshot!.meta).toEqual(meta);
    expect(c.log.lastIndex()).toBe(6);
    expect(c.log.firstIndex()).toBe(7);
    expect(c.log.committed).toBe(6);
    expect(rd.messages.find((m) => m.type === 'appResp')!.index).toBe(6);
    c.advance(rd);
  });

  it('a snapshot older than the follower commit is acknowledged, not installed', () => {
    const voters = ['a', 'b', 'c'];
    const c = core('c', voters, {}, logWith(voters, [2, 2, 2]), 2);
    c.step(message({ type: 'app', from: 'a', to: 'c', term: 2, index: 4, logTerm: 2, commit: 4 }));
    drain(c);
    c.step(message({ type: 'snap', from: 'a', to: 'c', term: 2, snapshot: { index: 3, term: 2, conf: { voters, learners: [] } }, snapshotData: textData('[]') }));
    const rd = c.ready();
    expect(rd.snapshot).toBeNull();
    expect(c.log.lastIndex()).toBe(4);
    c.advance(rd);
  });
});

describe('§8 client interaction', () => {
  it('a new leader commits a no-op of its term at once', () => {
    const net = electedNet(['a', 'b', 'c'], 'a');
    const noop = net.core('a').log.entry(2)!;
    expect(noop.term).toBe(2);
    expect(noop.data.length).toBe(0);
    expect(net.core('a').log.committed).toBe(2);
  });

  it('a read index waits until the leader has committed an entry of its term', () => {
    const c = core('a', ['a', 'b', 'c']);
    c.campaign();
    drain(c);
    c.step(message({ type: 'voteResp', from: 'b', to: 'a', term: 2 }));
    drain(c);
    expect(c.readIndex(7)).toBe(true);
    let rd = c.ready();
    expect(rd.readStates).toEqual([]);
    expect([...rd.earlyMessages, ...rd.messages].filter((m) => m.type === 'heartbeat')).toEqual([]);
    c.advance(rd);
    c.step(message({ type: 'appResp', from: 'b', to: 'a', term: 2, index: 2 }));
    rd = c.ready();
    // Now committed in term 2: the read gets a heartbeat round of its own.
    const hb = rd.earlyMessages.filter((m) => m.type === 'heartbeat');
    expect(hb.length).toBe(2);
    c.advance(rd);
    c.step(message({ type: 'heartbeatResp', from: 'c', to: 'a', term: 2, context: hb[0]!.context }));
    rd = c.ready();
    expect(rd.readStates).toEqual([{ index: 2, context: 7 }]);
    c.advance(rd);
  });

  it('a read index is answered only after a majority confirms the leadership', () => {
    const net = electedNet(['a', 'b', 'c'], 'a');
    net.isolate('a');
    expect(net.core('a').readIndex(1)).toBe(true);
    net.stabilize();
    const rd = net.core('a').hasReady() ? net.core('a').ready() : null;
    expect(rd?.readStates ?? []).toEqual([]);
    if (rd !== null) net.core('a').advance(rd);
    net.heal();
    const states: unknown[] = [];
    const c = net.core('a');
    c.tick();
    for (let i = 0; i < 10; i++) {
      net.processAll();
      const m = net.queue.shift();
      if (m === undefined) break;
      net.node(m.to).core.step(m);
      if (m.to !== 'a') {
        net.process(m.to);
        continue;
      }
      if (c.hasReady()) {
        const r = c.ready();
        states.push(...r.readStates);
        net.queue.push(...r.earlyMessages, ...r.messages);
        c.advance(r);
      }
    }
    expect(states).toEqual([{ index: 2, context: 1 }]);
  });

  it('reads arriving while a read round is in flight share the next round', () => {
    const net = electedNet(['a', 'b', 'c'], 'a');
    const a = net.core('a');
    const heartbeats = (rd: { earlyMessages: Message[]; messages: Message[] }): Message[] =>
      [...rd.earlyMessages, ...rd.messages].filter((m) => m.type === 'heartbeat');
    a.readIndex(1);
    let rd = a.ready();
    const first = heartbeats(rd);
    expect(first.length).toBe(2);
    a.advance(rd);
    a.readIndex(2);
    a.readIndex(3);
    expect(a.hasReady()).toBe(false);
    a.step(message({ type: 'heartbeatResp', from: 'b', to: 'a', term: a.term, context: first[0]!.context }));
    rd = a.ready();
    expect(rd.readStates.map((r) => r.context)).toEqual([1]);
    const second = heartbeats(rd);
    expect(second.length).toBe(2);
    expect(second[0]!.context).toBe(first[0]!.context + 1);
    a.advance(rd);
    a.step(message({ type: 'heartbeatResp', from: 'c', to: 'a', term: a.term, context: second[0]!.context }));
    rd = a.ready();
    expect(rd.readStates.map((r) => r.context)).toEqual([2, 3]);
    a.advance(rd);
  });

  it('a follower obtains a read index from the leader', () => {
    const net = electedNet(['a', 'b', 'c'], 'a');
    const b = net.core('b');
    expect(b.readIndex(42)).toBe(true);
    let got: unknown[] = [];
    const origProcess = net.process.bind(net);
    net.process = (id: string): boolean => {
      if (id !== 'b' || !b.hasReady()) return origProcess(id);
      const rd = b.ready();
      got = got.concat(rd.readStates);
      net.queue.push(...rd.earlyMessages, ...rd.messages);
      b.advance(rd);
      return true;
    };
    net.process('b');
    net.stabilize();
    expect(got).toEqual([{ index: 2, context: 42 }]);
  });
});

describe('§8 clients may contact any server: followers forward proposals', () => {
  it('a follower forwards a proposal; the leader appends it and says where it went', () => {
    const net = electedNet(['a', 'b', 'c'], 'a');
    const b = net.core('b');
    const r = b.proposeOrForward(textData('fwd'));
    expect(r.ok).toBe('forwarded');
    const outcomes: unknown[] = [];
    const orig = net.process.bind(net);
    net.process = (id: string): boolean => {
      if (id !== 'b' || !b.hasReady()) return orig(id);
      const rd = b.ready();
      outcomes.push(...rd.forwarded);
      net.queue.push(...rd.earlyMessages, ...rd.messages);
      for (const e of rd.committedEntries) net.node('b').sm.apply(e);
      b.advance(rd);
      return true;
    };
    net.process('b');
    net.stabilize();
    expect(outcomes).toEqual([{ id: (r as { id: number }).id, index: 3, term: 2 }]);
    expect(net.appliedCommands('a')).toEqual(['fwd']);
  });

  it('a duplicated forward is appended once', () => {
    const net = electedNet(['a', 'b', 'c'], 'a');
    net.core('b').proposeOrForward(textData('once'));
    net.process('b');
    const prop = net.take((m) => m.type === 'prop')!;
    net.deliver(prop);
    net.deliver(prop);
    net.stabilize();
    expect(net.appliedCommands('a')).toEqual(['once']);
  });

  it('a follower without a leader refuses instead of forwarding, and a non-leader refuses a forward', () => {
    const c = core('b', ['a', 'b', 'c']);
    expect(c.proposeOrForward(textData('x'))).toMatchObject({ ok: false, reason: 'notLeader' });
    c.step(message({ type: 'prop', from: 'c', to: 'b', term: 1, entries: [ent(0, 0, 'y')], context: 5 }));
    const resp = drain(c).find((m) => m.type === 'propResp')!;
    expect(resp.reject).toBe(true);
    expect(resp.context).toBe(5);
  });
});

describe('extensions: PreVote, CheckQuorum, transfer, disk stall', () => {
  it('PreVote: a partitioned node does not raise its term, so it cannot depose the leader on return', () => {
    const net = electedNet(['a', 'b', 'c'], 'a', { preVote: true, checkQuorum: true });
    const term = net.core('a').term;
    net.isolate('c');
    net.tick('c', 100);
    net.stabilize();
    expect(net.core('c').term).toBe(term);
    net.heal();
    net.tickAll(3);
    net.stabilize();
    expect(net.core('a').role).toBe('leader');
    expect(net.core('a').term).toBe(term);
  });

  it('CheckQuorum: a leader that cannot hear a majority steps down within an election timeout', () => {
    const net = electedNet(['a', 'b', 'c'], 'a', { preVote: true, checkQuorum: true, electionTicks: 10 });
    net.isolate('a');
    for (let i = 0; i < 20; i++) {
      net.tick('a');
      net.stabilize();
    }
    expect(net.core('a').role).toBe('follower');
  });

  it('lease: a follower that hears from its leader ignores vote requests from a higher term', () => {
    const net = electedNet(['a', 'b', 'c'], 'a', { preVote: false, checkQuorum: true });
    const b = net.core('b');
    const term = b.term;
    b.step(message({ type: 'vote', from: 'c', to: 'b', term: term + 1, index: 100, logTerm: 100 }));
    expect(b.term).toBe(term);
    expect(b.leader).toBe('a');
  });

  it('leadership transfer: the leader catches the target up, sends TimeoutNow, and the target wins at once', () => {
    const net = electedNet(['a', 'b', 'c'], 'a', { preVote: true, checkQuorum: true });
    net.cutLink('a', 'c');
    net.propose('a', 'x');
    net.stabilize();
    net.heal();
    expect(net.core('a').transferLeader('c')).toBe(true);
    expect(net.core('a').propose(textData('y'))).toMatchObject({ ok: false, reason: 'transferring' });
    net.stabilize();
    expect(net.leader()).toBe('c');
    expect(net.appliedCommands('c')).toEqual(['x']);
  });

  it('a leader whose disk stalls for an election timeout steps down', () => {
    const net = electedNet(['a', 'b', 'c'], 'a', { electionTicks: 10, diskStallTicks: 10 });
    const a = net.core('a');
    a.propose(textData('x'));
    const rd = a.ready();
    for (let i = 0; i < 9; i++) a.tick();
    expect(a.role).toBe('leader');
    a.tick();
    expect(a.role).toBe('follower');
    a.advance(rd);
  });
});

// Scripted scenarios: a small text language that drives a hand-controlled Net, so the histories
// that break Raft implementations can be written down step by step and replayed exactly.
//
//   cluster n1 n2 n3 [prevote=on|off] [checkquorum=on|off] [election=10] [appendbytes=N]
//   campaign n1 | tick n1|all [times] | stabilize
//   propose n1 cmd [expect=notLeader|transferring|...]
//   partition n1 n2 | n3 | isolate n1 | cut n1 n2 (one way) | heal
//   deliver [from=..] [to=..] [type=..]   deliver the matching queued messages (not new ones)
//   drop [from=..] [to=..] [type=..]      lose the matching queued messages
//   crash n1 | restart n1 | snapshot n1 [trailing] | add n4
//   conf n1 addLearner|promote|remove n4 [expect=reason]
//   transfer n1 n2 | read n1 ctx | clear-delivered
//   expect leader n1|none | role n1 follower | term n1 3 | commit n1 5 | applied n1 a,b|-
//   expect log n1 1 1 2 (terms from the first index) | voters n1 a,b | learners n1 a|-
//   expect delivered [from=..] [to=..] [type=..] N | read-state n1 ctx index | queued [..] N
//
// Lines starting with # are comments. A failing expectation names the script line.

import type { RaftConfig } from '../core/raft.js';
import type { Message, MessageType, NodeId, ReadState } from '../core/types.js';
import { Net } from './net.js';

export class ScriptError extends Error {
  override name = 'ScriptError';
}

interface Filter {
  from?: string;
  to?: string;
  type?: string;
}

function parseFilter(args: string[]): Filter {
  const f: Filter = {};
  for (const a of args) {
    const [k, v] = a.split('=');
    if (v === undefined || (k !== 'from' && k !== 'to' && k !== 'type')) throw new Error(`bad filter ${a}`);
    f[k] = v;
  }
  return f;
}

function matches(f: Filter, m: Message): boolean {
  return (f.from === undefined || m.from === f.from) && (f.to === undefined || m.to === f.to) && (f.type === undefined || m.type === (f.type as MessageType));
}

export class ScriptRunner {
  private net: Net | null = null;
  private readonly readStates = new Map<NodeId, ReadState[]>();

  get cluster(): Net {
    if (this.net === null) throw new Error('no cluster yet: start with `cluster`');
    return this.net;
  }

  run(script: string, name = 'script'): void {
    const lines = script.split('\n');
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i]!.trim();
      if (line === '' || line.startsWith('#')) continue;
      try {
        this.exec(line.split(/\s+/));
      } catch (err) {
        const msg = err instanceof Error ? err.message : String(err);
        throw new ScriptError(`${name}:${i + 1}: ${line}\n  ${msg}`);
      }
    }
  }

  private exec(words: string[]): void {
    const [cmd, ...args] = words;
    switch (cmd) {
      case 'cluster': {
        const ids = args.filter((a) => !a.includes('='));
        const opts: Partial<RaftConfig> = {};
        const mutable = opts as { -readonly [K in keyof RaftConfig]?: RaftConfig[K] };
        for (const a of args.filter((x) => x.includes('='))) {
          const [k, v] = a.split('=') as [string, string];
          if (k === 'prevote') mutable.preVote = v === 'on';
          else if (k === 'checkquorum') mutable.checkQuorum = v === 'on';
          else if (k === 'election') mutable.electionTicks = Number(v);
          else if (k === 'appendbytes') mutable.appendBytesMax = Number(v);
          else throw new Error(`unknown option ${k}`);
        }
        this.net = new Net(ids, opts);
        this.hookReads();
        return;
      }
      case 'campaign':
        this.cluster.campaign(args[0]!);
        return;
      case 'tick': {
        const times = Number(args[1] ?? 1);
        if (args[0] === 'all') this.cluster.tickAll(times);
        else this.cluster.tick(args[0]!, times);
        return;
      }
      case 'stabilize':
        this.cluster.stabilize();
        return;
      case 'propose': {
        const expectArg = args.find((a) => a.startsWith('expect='));
        const r = this.cluster.propose(args[0]!, args[1]!);
        const want = expectArg?.slice('expect='.length) ?? 'ok';
        const got = r.ok ? 'ok' : r.reason;
        if (got !== want) throw new Error(`proposal: expected ${want}, got ${got}`);
        return;
      }
      case 'partition': {
        const groups: string[][] = [[]];
        for (const a of args) {
          if (a === '|') groups.push([]);
          else groups[groups.length - 1]!.push(a);
        }
        this.cluster.partition(...groups);
        return;
      }
      case 'isolate':
        this.cluster.isolate(args[0]!);
        return;
      case 'cut':
        this.cluster.cutLink(args[0]!, args[1]!);
        return;
      case 'heal':
        this.cluster.heal();
        return;
      case 'deliver': {
        const f = parseFilter(args);
        const batch = this.cluster.queue.filter((m) => matches(f, m));
        this.cluster.queue = this.cluster.queue.filter((m) => !matches(f, m));
        for (const m of batch) this.cluster.deliver(m);
        return;
      }
      case 'drop':
        this.cluster.drop((m) => matches(parseFilter(args), m));
        return;
      case 'crash':
        this.cluster.crash(args[0]!);
        return;
      case 'restart':
        this.cluster.restart(args[0]!);
        return;
      case 'snapshot':
        this.cluster.snapshot(args[0]!, Number(args[1] ?? 0));
        return;
      case 'add':
        this.cluster.addNode(args[0]!);
        return;
      case 'conf': {
        const [leader, type, id] = args as [string, 'addLearner' | 'promote' | 'remove', string];
        const want = args.find((a) => a.startsWith('expect='))?.slice('expect='.length) ?? 'ok';
        const r = this.cluster.core(leader).proposeConfChange({ type, id });
        this.cluster.process(leader);
        const got = r.ok ? 'ok' : r.reason;
        if (got !== want) throw new Error(`conf change: expected ${want}, got ${got}`);
        return;
      }
      case 'transfer':
        if (!this.cluster.core(args[0]!).transferLeader(args[1]!)) throw new Error('transfer refused');
        this.cluster.process(args[0]!);
        return;
      case 'read':
        if (!this.cluster.core(args[0]!).readIndex(Number(args[1]))) throw new Error('read refused');
        this.cluster.process(args[0]!);
        return;
      case 'clear-delivered':
        this.cluster.delivered = [];
        return;
      case 'expect':
        this.expect(args);
        return;
      default:
        throw new Error(`unknown command ${cmd}`);
    }
  }

  /** Wraps Net.process to keep the ReadStates each node produces. */
  private hookReads(): void {
    const net = this.cluster;
    const orig = net.process.bind(net);
    net.process = (id: NodeId): boolean => {
      const n = net.node(id);
      if (!n.alive || !n.core.hasReady()) return orig(id);
      // Peek at the read states by running the Ready ourselves through the original path.
      const core = n.core;
      const realReady = core.ready.bind(core);
      core.ready = () => {
        const rd = realReady();
        if (rd.readStates.length > 0) {
          const list = this.readStates.get(id) ?? [];
          list.push(...rd.readStates);
          this.readStates.set(id, list);
        }
        return rd;
      };
      try {
        return orig(id);
      } finally {
        core.ready = realReady;
      }
    };
  }

  private expect(args: string[]): void {
    const [what, ...rest] = args;
    const net = this.cluster;
    const eq = (got: unknown, want: unknown): void => {
      if (JSON.stringify(got) !== JSON.stringify(want)) throw new Error(`expected ${JSON.stringify(want)}, got ${JSON.stringify(got)}`);
    };
    switch (what) {
      case 'leader':
        eq(net.leader() ?? 'none', rest[0]);
        return;
      case 'role':
        eq(net.core(rest[0]!).role, rest[1]);
        return;
      case 'term':
        eq(net.core(rest[0]!).term, Number(rest[1]));
        return;
      case 'commit':
        eq(net.core(rest[0]!).log.committed, Number(rest[1]));
        return;
      case 'applied':
        eq(net.appliedCommands(rest[0]!).join(',') || '-', rest[1]);
        return;
      case 'log': {
        const log = net.core(rest[0]!).log;
        const terms: number[] = [];
        for (let i = log.firstIndex(); i <= log.lastIndex(); i++) terms.push(log.termAt(i)!);
        eq(terms.join(' '), rest.slice(1).join(' '));
        return;
      }
      case 'voters':
        eq(net.core(rest[0]!).confState().voters.join(','), rest[1]);
        return;
      case 'learners':
        eq(net.core(rest[0]!).confState().learners.join(',') || '-', rest[1]);
        return;
      case 'delivered': {
        const want = Number(rest[rest.length - 1]);
        const f = parseFilter(rest.slice(0, -1));
        eq(net.delivered.filter((m) => matches(f, m)).length, want);
        return;
      }
      case 'queued': {
        const want = Number(rest[rest.length - 1]);
        const f = parseFilter(rest.slice(0, -1));
        eq(net.queue.filter((m) => matches(f, m)).length, want);
        return;
      }
      case 'read-state': {
        const states = this.readStates.get(rest[0]!) ?? [];
        const found = states.find((s) => s.context === Number(rest[1]));
        eq(found?.index ?? 'none', rest[2] === 'none' ? 'none' : Number(rest[2]));
        return;
      }
      default:
        throw new Error(`unknown expectation ${what}`);
    }
  }
}

export function runScript(script: string, name?: string): ScriptRunner {
  const r = new ScriptRunner();
  r.run(script, name);
  return r;
}

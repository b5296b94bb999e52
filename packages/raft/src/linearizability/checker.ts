// A linearizability checker after Wing & Gong's search with Lowe's memoisation, as Porcupine does
// it: walk the history's call/return events in time order, try to linearize each pending call at
// its point, backtrack when a return is reached before its call was placed, and never revisit a
// (set of linearized operations, model state) pair. Histories are first split into independent
// partitions (one per key for a key-value store), each checked on its own.

export interface Operation<I, O> {
  readonly clientId: number;
  readonly input: I;
  /** Undefined when the outcome is unknown (the client timed out): any output is accepted. */
  readonly output: O | undefined;
  /** Virtual or real time of the call; must be below `returnTime`. */
  readonly callTime: number;
  /** Infinity when the outcome is unknown: the operation may take effect at any later point. */
  readonly returnTime: number;
}

/** What `Model.step` returns when the output could not have been observed. */
export const ILLEGAL: unique symbol = Symbol('illegal');

export interface Model<S, I, O> {
  init(): S;
  /** Applies `input` to `state`; ILLEGAL when `output` could not be observed from `state`. */
  step(state: S, input: I, output: O | undefined): S | typeof ILLEGAL;
  /** A string that is equal for equal states (used to memoise the search). */
  stateKey(state: S): string;
  /** Splits a history into independent sub-histories; default: one partition. */
  partition?(history: readonly Operation<I, O>[]): Operation<I, O>[][];
  describe?(op: Operation<I, O>): string;
}

export type CheckResult =
  | { readonly result: 'ok' }
  | { readonly result: 'illegal'; readonly partition: number; readonly explanation: string }
  | { readonly result: 'unknown'; readonly partition: number };

export interface CheckOptions {
  /** Search steps allowed per partition before giving up with 'unknown'. */
  readonly stepsMax?: number;
}

interface Node<I, O> {
  readonly opId: number;
  readonly isCall: boolean;
  readonly op: Operation<I, O>;
  match: Node<I, O> | null;
  prev: Node<I, O> | null;
  next: Node<I, O> | null;
}

export function checkOperations<S, I, O>(
  model: Model<S, I, O>,
  history: readonly Operation<I, O>[],
  options: CheckOptions = {},
): CheckResult {
  const partitions = model.partition ? model.partition(history) : [history.slice()];
  for (let p = 0; p < partitions.length; p++) {
    const r = checkPartition(model, partitions[p]!, options.stepsMax ?? 5_000_000);
    if (r === 'unknown') return { result: 'unknown', partition: p };
    if (r !== 'ok') return { result: 'illegal', partition: p, explanation: r };
  }
  return { result: 'ok' };
}

function buildList<I, O>(ops: readonly Operation<I, O>[]): Node<I, O> {
  const events: { time: number; isCall: boolean; id: number }[] = [];
  ops.forEach((op, id) => {
    if (!(op.callTime < op.returnTime)) throw new Error(`operation ${id} returns before it is called`);
    events.push({ time: op.callTime, isCall: true, id });
    events.push({ time: op.returnTime, isCall: false, id });
  });
  // At equal times calls go first: operations that touch in time count as concurrent.
  events.sort((x, y) => x.time - y.time || (x.isCall === y.isCall ? x.id - y.id : x.isCall ? -1 : 1));
  const head: Node<I, O> = { opId: -1, isCall: false, op: undefined as never, match: null, prev: null, next: null };
  const calls = new Map<number, Node<I, O>>();
  let tail = head;
  for (const ev of events) {
    const node: Node<I, O> = { opId: ev.id, isCall: ev.isCall, op: ops[ev.id]!, match: null, prev: tail, next: null };
    tail.next = node;
    tail = node;
    if (ev.isCall) calls.set(ev.id, node);
    else calls.get(ev.id)!.match = node;
  }
  return head;
}

/** Takes a call and its return out of the list (they stay linked to their neighbours for `unlift`). */
function lift<I, O>(call: Node<I, O>): void {
  call.prev!.next = call.next;
  if (call.next !== null) call.next.prev = call.prev;
  const ret = call.match!;
  ret.prev!.next = ret.next;
  if (ret.next !== null) ret.next.prev = ret.prev;
}

function unlift<I, O>(call: Node<I, O>): void {
  const ret = call.match!;
  ret.prev!.next = ret;
  if (ret.next !== null) ret.next.prev = ret;
  call.prev!.next = call;
  if (call.next !== null) call.next.prev = call;
}

function checkPartition<S, I, O>(model: Model<S, I, O>, ops: readonly Operation<I, O>[], stepsMax: number): 'ok' | 'unknown' | string {
  if (ops.length === 0) return 'ok';
  const head = buildList(ops);
  const linearized = new Uint32Array(Math.ceil(ops.length / 32));
  const seen = new Set<string>();
  const stack: { call: Node<I, O>; state: S }[] = [];
  let state = model.init();
  let entry = head.next;
  let steps = 0;
  let deepest = 0;
  while (head.next !== null) {
    if (++steps > stepsMax) return 'unknown';
    const node = entry!;
    if (node.isCall) {
      const next = model.step(state, node.op.input, node.op.output);
      if (next !== ILLEGAL) {
        linearized[node.opId >>> 5]! |= 1 << (node.opId & 31);
        const key = `${linearized.join(',')}|${model.stateKey(next)}`;
        if (!seen.has(key)) {
          seen.add(key);
          stack.push({ call: node, state });
          state = next;
          lift(node);
          entry = head.next;
          if (stack.length > deepest) deepest = stack.length;
          continue;
        }
        linearized[node.opId >>> 5]! &= ~(1 << (node.opId & 31));
      }
      entry = node.next;
    } else {
      // A return reached whose call is still pending: undo the last choice and try the next one.
      const top = stack.pop();
      if (top === undefined) {
        const describe = model.describe ?? ((op: Operation<I, O>) => JSON.stringify(op.input) + ' -> ' + JSON.stringify(op.output));
        return `no linearization: operation ${describe(node.op)} (client ${node.op.clientId}) cannot be placed; longest linearizable prefix ${deepest} of ${ops.length} operations`;
      }
      state = top.state;
      linearized[top.call.opId >>> 5]! &= ~(1 << (top.call.opId & 31));
      unlift(top.call);
      entry = top.call.next;
    }
  }
  return 'ok';
}

// ---------------------------------------------------------------------------------------------
// The key-value model the simulator's clients use.

export type KvInput =
  | { readonly op: 'put'; readonly key: string; readonly value: string }
  | { readonly op: 'get'; readonly key: string };

export interface KvOutput {
  /** The value read (get); ignored for put. */
  readonly value: string | null;
}

/** A register per key; partitioned by key because keys are independent. */
export const kvModel: Model<string | null, KvInput, KvOutput> = {
  init: () => null,
  step(state, input, output) {
    if (input.op === 'put') return input.value;
    if (output === undefined) return state;
    return output.value === state ? state : ILLEGAL;
  },
  stateKey: (state) => (state === null ? '\u0000' : state),
  partition(history) {
    const byKey = new Map<string, Operation<KvInput, KvOutput>[]>();
    for (const op of history) {
      let list = byKey.get(op.input.key);
      if (list === undefined) byKey.set(op.input.key, (list = []));
      list.push(op);
    }
    return [...byKey.values()];
  },
  describe: (op) =>
    op.input.op === 'put'
      ? `put(${op.input.key}, ${op.input.value})`
      : `get(${op.input.key}) = ${op.output === undefined ? '?' : JSON.stringify(op.output.value)}`,
};

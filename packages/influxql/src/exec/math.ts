// InfluxQL's math functions (query/math.go): row-level functions of values, usable in SELECT
// fields (around fields or around aggregates) and in WHERE conditions.

import type { Value } from './result.js';

const UNARY = new Set(['abs', 'sin', 'cos', 'tan', 'asin', 'acos', 'atan', 'exp', 'ln', 'log2', 'log10', 'sqrt', 'floor', 'ceil', 'round']);
const BINARY = new Set(['atan2', 'pow', 'log']);

export function isMathFunction(name: string): boolean {
  return UNARY.has(name) || BINARY.has(name);
}

/** How many arguments the function takes. */
export function mathArity(name: string): number {
  return BINARY.has(name) ? 2 : 1;
}

function asFloat(v: Value): number | null {
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') return Number(v);
  return null;
}

/** Go's math.Round-alike InfluxDB uses: half away from zero. */
function round(x: number): number {
  const t = Math.trunc(x);
  if (Math.abs(x - t) >= 0.5) return t + (x < 0 ? -1 : 1);
  return t;
}

/** The function applied to evaluated arguments; null when they have no numeric value. */
export function applyMath(name: string, args: readonly Value[]): Value {
  if (args.length === 1) {
    const a = args[0]!;
    switch (name) {
      case 'abs':
        if (typeof a === 'number') return Math.abs(a);
        if (typeof a === 'bigint') return BigInt.asIntN(64, a < 0n ? -a : a);
        return null;
      case 'floor':
      case 'ceil':
      case 'round':
        if (typeof a === 'bigint') return a;
        if (typeof a !== 'number') return null;
        return name === 'floor' ? Math.floor(a) : name === 'ceil' ? Math.ceil(a) : round(a);
      default: {
        const x = asFloat(a);
        if (x === null) return null;
        switch (name) {
          case 'sin':
            return Math.sin(x);
          case 'cos':
            return Math.cos(x);
          case 'tan':
            return Math.tan(x);
          case 'asin':
            return Math.asin(x);
          case 'acos':
            return Math.acos(x);
          case 'atan':
            return Math.atan(x);
          case 'exp':
            return Math.exp(x);
          case 'ln':
            return Math.log(x);
          case 'log2':
            return Math.log2(x);
          case 'log10':
            return Math.log10(x);
          case 'sqrt':
            return Math.sqrt(x);
          default:
            return null;
        }
      }
    }
  }
  const x = asFloat(args[0] ?? null);
  const y = asFloat(args[1] ?? null);
  if (x === null || y === null) return null;
  switch (name) {
    case 'atan2':
      return Math.atan2(x, y);
    case 'pow':
      return Math.pow(x, y);
    case 'log':
      return Math.log(x) / Math.log(y);
    default:
      return null;
  }
}

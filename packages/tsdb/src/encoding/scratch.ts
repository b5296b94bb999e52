// Reusable typed-array scratch space. Each encoder module owns its own instances, so a caller's
// scratch is never overwritten by a callee; encoding is synchronous, so nothing else can run
// between filling a scratch array and reading it back.

export class U32Scratch {
  arr = new Uint32Array(2048);

  get(length: number): Uint32Array {
    if (this.arr.length < length) {
      let cap = this.arr.length * 2;
      while (cap < length) cap *= 2;
      this.arr = new Uint32Array(cap);
    }
    return this.arr;
  }
}

export class F64Scratch {
  arr = new Float64Array(1024);

  get(length: number): Float64Array {
    if (this.arr.length < length) {
      let cap = this.arr.length * 2;
      while (cap < length) cap *= 2;
      this.arr = new Float64Array(cap);
    }
    return this.arr;
  }
}

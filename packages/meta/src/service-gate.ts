// The MetaService as registered on the node's gRPC server before the node behind it exists. A META
// node binds its one port first (so a port taken fails before any file is opened, and port 0 is
// resolved before Raft records the node's address), then opens its log. Calls arriving meanwhile
// are answered UNAVAILABLE, which clients take as "try another node" — an empty service would
// answer UNIMPLEMENTED, which they would take as final.

import * as grpc from '@grpc/grpc-js';

export class ServiceGate {
  private impl: grpc.UntypedServiceImplementation | null = null;

  constructor(private readonly definition: grpc.ServiceDefinition) {}

  /** Handlers to register now: each forwards to the implementation once `open` has given it. */
  handlers(): grpc.UntypedServiceImplementation {
    const out: grpc.UntypedServiceImplementation = {};
    for (const [key, method] of Object.entries(this.definition)) {
      const name = method.originalName ?? key;
      out[key] = (call: NodeJS.EventEmitter, callback?: grpc.sendUnaryData<unknown>) => {
        const real = this.impl?.[name] as ((c: NodeJS.EventEmitter, cb?: grpc.sendUnaryData<unknown>) => void) | undefined;
        if (real !== undefined) return real(call, callback);
        const status = { code: grpc.status.UNAVAILABLE, details: 'meta node starting' };
        if (callback !== undefined) callback(status);
        else call.emit('error', status);
      };
    }
    return out;
  }

  open(impl: grpc.UntypedServiceImplementation): void {
    this.impl = impl;
  }
}

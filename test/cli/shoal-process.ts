// Runs the built `shoal` binary for the CLI tests: one-shot commands and `shoal meta` node
// processes. Every node started here is SIGKILLed when the test process exits, whatever happened.

import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const BIN = fileURLToPath(new URL('../../packages/cli/dist/bin.js', import.meta.url));
/** Fast elections so the single node leads within a second; no fsync (the data is thrown away). */
export const FAST = ['--tick-ms', '50', '--election-ticks', '10', '--no-sync', '--data-node-timeout-ms', '3600000'];
const RUN_TIMEOUT_MS = 20_000;

export interface Ran {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly ms: number;
}

export function cleanEnv(extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.startsWith('SHOAL_')) env[k] = v;
  return { ...env, ...extra };
}

/** Runs `shoal …` to completion without blocking this process's event loop. */
export function shoal(args: string[], env: Record<string, string> = {}): Promise<Ran> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const child = spawn(process.execPath, [BIN, ...args], { env: cleanEnv(env) });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => (stdout += s));
    child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
    const timer = setTimeout(() => child.kill('SIGKILL'), RUN_TIMEOUT_MS);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, ms: Date.now() - started });
    });
  });
}

export const children = new Set<ChildProcess>();
process.once('exit', () => {
  for (const c of children) c.kill('SIGKILL');
});

/** Starts `shoal meta …`; resolves once the node logs that it serves. */
export interface MetaNodeProcess {
  readonly proc: ChildProcess;
  readonly output: () => string;
}

export async function startMetaNode(args: string[]): Promise<MetaNodeProcess> {
  const proc = spawn(process.execPath, [BIN, 'meta', ...args], { env: cleanEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(proc);
  proc.once('exit', () => children.delete(proc));
  let out = '';
  const append = (d: Buffer): void => {
    out += d.toString();
    if (out.length > 200_000) out = out.slice(-100_000);
  };
  proc.stdout!.on('data', append);
  proc.stderr!.on('data', append);
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      proc.kill('SIGKILL');
      reject(new Error(`shoal meta did not start within 15 s:\n${out}`));
    }, 15_000);
    const check = (): void => {
      if (!out.includes('"msg":"meta node started"')) return;
      clearTimeout(timer);
      proc.stdout!.off('data', check);
      proc.off('exit', onExit);
      resolve();
    };
    const onExit = (code: number | null): void => {
      clearTimeout(timer);
      reject(new Error(`shoal meta exited with ${code} while starting:\n${out}`));
    };
    proc.stdout!.on('data', check);
    proc.once('exit', onExit);
  });
  return { proc, output: () => out };
}

export function exitOf(proc: ChildProcess): Promise<number | null> {
  if (proc.exitCode !== null || proc.signalCode !== null) return Promise.resolve(proc.exitCode);
  return new Promise((resolve) => proc.once('exit', (code) => resolve(code)));
}

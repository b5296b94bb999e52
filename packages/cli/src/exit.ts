// Exit codes and the process handles every command writes through (bin.ts supplies the real ones).

/** 0 success; 1 the operation failed (server could not start, META refused or was unreachable); 2 bad usage. */
export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

export interface CliIo {
  readonly stdout: (s: string) => void;
  readonly stderr: (s: string) => void;
  /** Ends the process. */
  readonly exit: (code: number) => never;
}

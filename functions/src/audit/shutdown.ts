/**
 * The last flush of buffered audit entries when the instance is stopped. Cloud Run (which runs
 * Cloud Functions v2) sends SIGTERM and allows ~10 s before SIGKILL; we take at most `deadlineMs`.
 *
 * The Functions Framework answers SIGTERM itself by calling `process.exit()` at once, which
 * would cut an asynchronous flush short. So our listener runs first (prepended) and, for the
 * time of the flush only, holds back a `process.exit` call: it exits right after the flush (or
 * the deadline). Where nothing else handles SIGTERM (a plain Node server), the signal is raised
 * again after the flush, so the process still ends the default way.
 */
export interface ShutdownProcess {
  pid: number;
  prependListener(event: 'SIGTERM', listener: () => void): unknown;
  removeListener(event: 'SIGTERM', listener: () => void): unknown;
  listenerCount(event: 'SIGTERM'): number;
  exit(code?: number): never;
  kill(pid: number, signal: 'SIGTERM'): boolean;
}

function within(task: Promise<unknown>, ms: number): Promise<void> {
  return new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    const done = () => {
      clearTimeout(timer);
      resolve();
    };
    task.then(done, done);
  });
}

/** Runs `flush` on SIGTERM before the process exits. Returns a function that removes the hook. */
export function flushOnSigterm(flush: () => Promise<unknown>, deadlineMs = 8000, proc: ShutdownProcess = process): () => void {
  const onSigterm = () => {
    proc.removeListener('SIGTERM', onSigterm);
    const othersHandleIt = proc.listenerCount('SIGTERM') > 0;
    const exit = proc.exit;
    let exitCode: number | undefined;
    let exitRequested = false;
    proc.exit = ((code?: number) => {
      exitRequested = true;
      exitCode ??= code;
    }) as ShutdownProcess['exit'];
    void within(flush(), deadlineMs).then(() => {
      proc.exit = exit;
      if (exitRequested) exit.call(proc, exitCode);
      else if (!othersHandleIt) proc.kill(proc.pid, 'SIGTERM');
    });
  };
  proc.prependListener('SIGTERM', onSigterm);
  return () => proc.removeListener('SIGTERM', onSigterm);
}

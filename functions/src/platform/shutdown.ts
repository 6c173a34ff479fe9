/**
 * The instance's last word: on SIGTERM (Cloud Run sends it before stopping an instance, and
 * allows 10 s), the audit chain's final checkpoint is written, best effort and bounded. When no one
 * else listens for SIGTERM, the signal is raised again afterwards, so the process still ends as
 * it would have (a listener otherwise cancels Node's default exit).
 */
const sealers = new Set<() => Promise<unknown>>();

export function sealOnSigterm(audit: { seal(): Promise<void> }, timeoutMs = 3000, proc: NodeJS.Process = process): void {
  sealers.add(() => audit.seal().catch(() => undefined));
  proc.once('SIGTERM', () => {
    const alone = proc.listenerCount('SIGTERM') === 0;
    const bound = new Promise<void>((resolve) => setTimeout(resolve, timeoutMs).unref());
    void Promise.race([audit.seal().catch(() => undefined), bound]).finally(() => {
      if (alone) proc.kill(proc.pid, 'SIGTERM');
    });
  });
}

/**
 * Seals now every writer registered for SIGTERM: for a host that moves on without one (a test
 * runner between files), so no checkpoint timer outlives the code that set it.
 */
export async function sealAll(): Promise<void> {
  const all = [...sealers];
  sealers.clear();
  await Promise.all(all.map((seal) => seal()));
}

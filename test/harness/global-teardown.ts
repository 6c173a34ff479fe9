// Jest global teardown of the integration project: verifies the run's audit trail, then stops what
// global-setup started. A tampering problem in the trail fails the run (test/harness/verify-run.ts).
import { verifyRun } from './verify-run';

export default async function globalTeardown(): Promise<void> {
  const stack = globalThis.__KEYWARD_STACK__;
  let failure: Error | undefined;
  const from = globalThis.__KEYWARD_RUN_STARTED__;
  if (stack && from) {
    try {
      const { report, tampering } = await verifyRun(from);
      const unfinished = report.problems.filter((p) => p.kind === 'unfinished');
      if (unfinished.length) console.log(`\naudit trail of this run: ${unfinished.length} chain(s) unfinished (not tampering): ${unfinished.map((p) => p.message).join('; ')}`);
      if (tampering.length) failure = new Error(`The audit trail of this run does not verify (${report.entries} entries, ${report.chains} chains):\n${tampering.map((p) => JSON.stringify(p)).join('\n')}`);
      else if (process.env.KEYWARD_STACK_TIMINGS) console.log(`\naudit trail of this run verified: ${report.entries} entries, ${report.chains} chains, ${report.checkpoints} checkpoints, ${report.pending} pending`);
    } catch (err) {
      failure = new Error(`Could not verify the audit trail of this run: ${(err as Error).message}`);
    }
  }
  globalThis.__KEYWARD_STACK__ = undefined;
  globalThis.__KEYWARD_STACK_SIGNALS__?.();
  globalThis.__KEYWARD_STACK_SIGNALS__ = undefined;
  await stack?.stop();
  if (failure) throw failure;
}

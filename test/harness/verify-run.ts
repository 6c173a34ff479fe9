// The audit trail of a whole test run, verified at its end (global teardown), on the shared stack:
// "an untouched range verifies clean after a run of the integration suite" (docs/audit.md#verifying).
// Tests that tamper do it in their own Logging emulator and project (audit/chain.test.ts), so the
// run's trail holds no tampering: any problem of a tampering kind fails the run. A chain left
// `unfinished` (a writer that never wrote its final checkpoint) is not tampering, and is named.
import { loadConfig } from '../../functions/src/config';
import type { Identity } from '../../functions/src/identity';
import { createServices } from '../../functions/src/services';
import { TAMPERING, type VerifyReport } from '../../functions/src/audit/verify';
import { TEST_FUNCTIONS_ENV } from './ports';

const SUITE: Identity = { uid: 'test-run', claims: { auditor: true }, method: 'id_token' };

export async function verifyRun(from: string): Promise<{ report: VerifyReport; tampering: VerifyReport['problems'] }> {
  const env = { ...process.env, ...TEST_FUNCTIONS_ENV };
  const services = createServices(loadConfig(env), env);
  try {
    const to = new Date().toISOString();
    for (let attempt = 1; ; attempt++) {
      const report = await services.auditVerify.verify(SUITE, { from, to });
      const tampering = report.problems.filter((p) => TAMPERING.has(p.kind));
      // A checkpoint goes to Cloud Logging and Firestore at once: one signed as the run ended may be
      // in one store and still on its way to the other. Such a run reads the same range again.
      if (attempt === 3 || tampering.length === 0 || tampering.some((p) => p.kind !== 'checkpoint_missing')) return { report, tampering };
      await new Promise((r) => setTimeout(r, 3000));
    }
  } finally {
    await services.audit.close().catch(() => undefined);
  }
}

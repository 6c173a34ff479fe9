// Jest global setup of the integration project: the whole stack on TEST_PORTS, once per run.
import { startStack, stopOnSignals, type Stack } from '../../scripts/stack';
import { TEST_FUNCTIONS_ENV, TEST_PORTS, TEST_PROJECT_ID } from './ports';

declare global {
  var __KEYWARD_STACK__: Stack | undefined;
  var __KEYWARD_STACK_SIGNALS__: (() => void) | undefined;
  /** When the run began: global teardown verifies the audit trail from here on. */
  var __KEYWARD_RUN_STARTED__: string | undefined;
}

export default async function globalSetup(): Promise<void> {
  // A Ctrl-C while the stack starts or while the tests run must not leave the emulators behind
  // (firebase-tools runs in its own process group, so the terminal's SIGINT never reaches it).
  const abort = new AbortController();
  globalThis.__KEYWARD_RUN_STARTED__ = new Date().toISOString();
  const starting = startStack({
    ports: { ...TEST_PORTS },
    projectId: TEST_PROJECT_ID,
    env: TEST_FUNCTIONS_ENV,
    quiet: true,
    signal: abort.signal,
  });
  globalThis.__KEYWARD_STACK_SIGNALS__ = stopOnSignals({
    async stop() {
      abort.abort(new Error('interrupted'));
      const started = await starting.catch(() => undefined); // an interrupted start cleans up itself
      await started?.stop();
    },
  });
  let stack: Stack;
  try {
    stack = await starting;
  } catch (err) {
    globalThis.__KEYWARD_STACK_SIGNALS__?.();
    globalThis.__KEYWARD_STACK_SIGNALS__ = undefined;
    throw err;
  }
  globalThis.__KEYWARD_STACK__ = stack;
  // For the tests (and any worker process jest starts after this point).
  Object.assign(process.env, stack.env, { KEYWARD_FIRESTORE_KIND: stack.firestoreKind });
  if (process.env.KEYWARD_STACK_TIMINGS) {
    console.log(`\nstack started in ${stack.timings.total} ms ${JSON.stringify(stack.timings)} (Firestore: ${stack.firestoreKind})`);
  }
}

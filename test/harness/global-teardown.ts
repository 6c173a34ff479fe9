// Jest global teardown of the integration project: stops what global-setup started.
export default async function globalTeardown(): Promise<void> {
  const stack = globalThis.__KEYWARD_STACK__;
  globalThis.__KEYWARD_STACK__ = undefined;
  globalThis.__KEYWARD_STACK_SIGNALS__?.();
  globalThis.__KEYWARD_STACK_SIGNALS__ = undefined;
  await stack?.stop();
}

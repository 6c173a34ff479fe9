/**
 * The console's configuration: the Firebase web config baked in at build time
 * (scripts/build-console.mjs, from KEYWARD_FIREBASE_CONFIG) and the Auth emulator to use when the
 * page is served from this machine. Pure: the page's location is passed in.
 */

export interface FirebaseWebConfig {
  apiKey: string;
  authDomain: string;
  projectId: string;
}

export interface BuildConfig {
  firebase: FirebaseWebConfig;
  /** `host:port` of the Auth emulator when the page does not name one (firebase.json's); empty in a deploy build. */
  authEmulator: string;
}

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);
const EMULATOR_ADDRESS = /^(127\.0\.0\.1|localhost|\[::1\]):(\d{1,5})$/;

/** A page served from this machine talks to the Auth emulator; anywhere else, to the real project. */
export function isLocalPage(hostname: string): boolean {
  return LOOPBACK_HOSTS.has(hostname);
}

/**
 * The Auth emulator's `http://host:port` for a local page, else undefined (real Firebase Auth).
 * `?authEmulator=127.0.0.1:9199` picks another port (the test stack runs on other ports); only a
 * loopback address is accepted, and the page's CSP allows only the stack's own emulator anyway.
 */
export function authEmulatorUrl(location: { hostname: string; search: string }, fallback: string): string | undefined {
  if (!isLocalPage(location.hostname)) return undefined;
  const requested = new URLSearchParams(location.search).get('authEmulator');
  const address = requested !== null && isEmulatorAddress(requested) ? requested : fallback;
  return address ? `http://${address}` : undefined;
}

export function isEmulatorAddress(value: string): boolean {
  const match = EMULATOR_ADDRESS.exec(value);
  return match !== null && Number(match[2]) > 0 && Number(match[2]) < 65536;
}

/**
 * Signing in with the Firebase JS SDK, then living on the session cookie. The SDK keeps the user
 * in memory only (no IndexedDB, no localStorage): its ID token is used once, right after sign-in,
 * to start a session (`POST /v1/auth/session` needs a sign-in from the last 5 minutes), and the
 * SDK then forgets the user. Every later call carries only the HttpOnly `__session` cookie.
 */
import { initializeApp } from 'firebase/app';
import {
  connectAuthEmulator,
  createUserWithEmailAndPassword,
  inMemoryPersistence,
  initializeAuth,
  signInWithEmailAndPassword,
  signOut,
  type Auth,
  type UserCredential,
} from 'firebase/auth';
import { api } from './api';
import type { FirebaseWebConfig } from './config';
import { signInErrorMessage } from './format/words';

export class SignInError extends Error {}

let auth: Auth | undefined;

/** Sets up the SDK once; with `emulatorUrl`, against the Auth emulator. Makes no request. */
export function setUpAuth(config: FirebaseWebConfig, emulatorUrl: string | undefined): void {
  const app = initializeApp(config);
  // No popup/redirect resolver: nothing is loaded from Google until the person signs in.
  auth = initializeAuth(app, { persistence: inMemoryPersistence });
  if (emulatorUrl) connectAuthEmulator(auth, emulatorUrl, { disableWarnings: true });
}

async function withSession(signIn: (a: Auth) => Promise<UserCredential>): Promise<void> {
  if (!auth) throw new Error('setUpAuth first');
  let credential: UserCredential;
  try {
    credential = await signIn(auth);
  } catch (err) {
    throw new SignInError(signInErrorMessage((err as { code?: string }).code));
  }
  try {
    await api.startSession(await credential.user.getIdToken());
  } finally {
    // The cookie is the session from here on: the SDK keeps no user, and no token.
    await signOut(auth).catch(() => undefined);
  }
}

export const signUp = (email: string, password: string) => withSession((a) => createUserWithEmailAndPassword(a, email, password));
export const signIn = (email: string, password: string) => withSession((a) => signInWithEmailAndPassword(a, email, password));

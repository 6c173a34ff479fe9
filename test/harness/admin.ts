// firebase-admin against the test stack's emulators (the environment comes from global setup).
import { getApps, initializeApp, type App } from 'firebase-admin/app';
import { getAuth } from 'firebase-admin/auth';
import { getFirestore } from 'firebase-admin/firestore';

function app(): App {
  return getApps().find((a) => a.name === 'tests') ?? initializeApp({ projectId: process.env.GOOGLE_CLOUD_PROJECT ?? 'demo-keyward' }, 'tests');
}

export const adminAuth = () => getAuth(app());
export const adminDb = () => getFirestore(app());

// Installed as a function kit, Keyward declares only the params with no safe default, so
// `firebase functions:kits:install` asks just those; every other setting keeps its default and is
// range-checked by config.ts at start (test/unit/config/params.test.ts).
import { loadConfig } from '../../../functions/src/config';

type ParamsModule = typeof import('firebase-functions/params');

function declaredWith(env: Record<string, string | undefined>): string[] {
  const saved = process.env.FIREBASE_KIT_INSTANCE_ID;
  let names: string[] = [];
  try {
    if (env.FIREBASE_KIT_INSTANCE_ID === undefined) delete process.env.FIREBASE_KIT_INSTANCE_ID;
    else process.env.FIREBASE_KIT_INSTANCE_ID = env.FIREBASE_KIT_INSTANCE_ID;
    jest.isolateModules(() => {
      const params = require('firebase-functions/params') as ParamsModule & { clearParams(): void };
      params.clearParams();
      require('../../../functions/src/params');
      names = params.declaredParams.map((p) => p.name).sort();
    });
  } finally {
    if (saved === undefined) delete process.env.FIREBASE_KIT_INSTANCE_ID;
    else process.env.FIREBASE_KIT_INSTANCE_ID = saved;
  }
  return names;
}

describe('params of a kit install', () => {
  it('declares only where the instance answers and the account it runs as', () => {
    expect(declaredWith({ FIREBASE_KIT_INSTANCE_ID: 'keys' })).toEqual(['KEYWARD_PUBLIC_URL', 'KEYWARD_SERVICE_ACCOUNT']);
  });

  it('outside a kit declares every setting, as before', () => {
    const all = declaredWith({});
    expect(all.length).toBeGreaterThan(40);
    expect(all).toEqual(expect.arrayContaining(['KEYWARD_CACHE_TTL_MS', 'KEYWARD_MAX_INSTANCES', 'KEYWARD_PUBLIC_URL']));
  });

  it('still range-checks an undeclared setting an instance sets in its .env', () => {
    expect(() => loadConfig({ FIREBASE_KIT_INSTANCE_ID: 'keys', KEYWARD_CACHE_TTL_MS: '99999' })).toThrow(/KEYWARD_CACHE_TTL_MS must be an integer between 100 and 10000/);
  });
});

// The App Check requirement (functions/src/credentials/app-check.ts) over a fake verifier port.
import { InvalidAppCheckToken, requireAppCheck, type AppCheckVerifier } from '../../../functions/src/credentials/app-check';

const APP = '1:1:web:ab';
const req = (token?: string) => ({ headers: token ? { 'x-firebase-appcheck': token } : {} });
const codeOf = (p: Promise<unknown>) => p.then(() => 'ok', (e: { code?: string }) => e.code);

describe('requireAppCheck', () => {
  const verifier: AppCheckVerifier = async (token, consume) => {
    if (token === 'bad') throw new InvalidAppCheckToken('bad');
    if (token === 'down') throw new Error('ECONNRESET');
    return { appId: token === 'other' ? '1:1:ios:cd' : APP, alreadyConsumed: consume ? token === 'used' : undefined };
  };

  it('passes a token from an allowed app and names the app', async () => {
    await expect(requireAppCheck(verifier, req('good'), { appIds: [APP], consume: false })).resolves.toBe(APP);
  });

  it('answers missing, invalid, foreign and replayed tokens with their codes, and a fault with 503', async () => {
    const need = { appIds: [APP], consume: true };
    expect(await codeOf(requireAppCheck(verifier, req(), need))).toBe('app_check_required');
    expect(await codeOf(requireAppCheck(verifier, req('bad'), need))).toBe('invalid_app_check');
    expect(await codeOf(requireAppCheck(verifier, req('other'), need))).toBe('invalid_app_check');
    expect(await codeOf(requireAppCheck(verifier, req('used'), need))).toBe('invalid_app_check');
    expect(await codeOf(requireAppCheck(verifier, req('used'), { ...need, consume: false }))).toBe('ok');
    expect(await codeOf(requireAppCheck(verifier, req('down'), need))).toBe('unavailable');
    expect(await codeOf(requireAppCheck(undefined, req('good'), need))).toBe('unavailable');
    expect(await codeOf(requireAppCheck(verifier, req('x'.repeat(5000)), need))).toBe('invalid_app_check');
  });
});

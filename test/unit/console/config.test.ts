import { authEmulatorUrl, isEmulatorAddress, isLocalPage } from '../../../console/src/config';

const page = (hostname: string, search = '') => ({ hostname, search });

describe('console configuration: emulator or real project', () => {
  it('uses the Auth emulator only for pages served from this machine', () => {
    expect(isLocalPage('127.0.0.1')).toBe(true);
    expect(isLocalPage('localhost')).toBe(true);
    expect(isLocalPage('[::1]')).toBe(true);
    expect(isLocalPage('keyward.web.app')).toBe(false);
    expect(authEmulatorUrl(page('keyward.web.app', '?authEmulator=127.0.0.1:9199'), '127.0.0.1:9099')).toBeUndefined();
  });

  it("defaults to firebase.json's emulator, and takes another loopback port from ?authEmulator=", () => {
    expect(authEmulatorUrl(page('127.0.0.1'), '127.0.0.1:9099')).toBe('http://127.0.0.1:9099');
    expect(authEmulatorUrl(page('localhost', '?authEmulator=127.0.0.1:9199'), '127.0.0.1:9099')).toBe('http://127.0.0.1:9199');
  });

  it('a deploy build (no emulator address) uses the real project even on a local page', () => {
    expect(authEmulatorUrl(page('127.0.0.1'), '')).toBeUndefined();
  });

  it('never points the SDK at an address off this machine', () => {
    for (const bad of ['evil.example:9099', '127.0.0.1', '127.0.0.1:0', '127.0.0.1:70000', '127.0.0.1:9099/x', '10.0.0.1:9099', '']) {
      expect(isEmulatorAddress(bad)).toBe(false);
      expect(authEmulatorUrl(page('127.0.0.1', `?authEmulator=${encodeURIComponent(bad)}`), '127.0.0.1:9099')).toBe('http://127.0.0.1:9099');
    }
  });
});

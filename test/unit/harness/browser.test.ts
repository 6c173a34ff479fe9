// Which browser the browser tests use (test/harness/browser.ts): KEYWARD_BROWSER picks one, and a
// name it does not know is no browser at all (a failing test), never a silent default.
import { existsSync } from 'node:fs';
import { browserChoice } from '../../harness/browser';

describe('the browser tests’ browser', () => {
  const saved = process.env.KEYWARD_BROWSER;
  afterEach(() => {
    if (saved === undefined) delete process.env.KEYWARD_BROWSER;
    else process.env.KEYWARD_BROWSER = saved;
  });

  it('uses the npm Chromium when asked, even where Debian’s is installed (it is a devDependency)', () => {
    process.env.KEYWARD_BROWSER = 'sparticuz';
    expect(browserChoice()).toEqual({ kind: 'sparticuz' });
  });

  it('uses Debian’s chromium where it is installed, and otherwise the npm one', () => {
    delete process.env.KEYWARD_BROWSER;
    expect(browserChoice()).toEqual({ kind: existsSync('/usr/bin/chromium') ? 'debian' : 'sparticuz' });
  });

  it('names what is wrong with an unknown choice', () => {
    process.env.KEYWARD_BROWSER = 'firefox';
    expect(browserChoice()).toEqual({ kind: 'none', why: 'KEYWARD_BROWSER=firefox is neither debian nor sparticuz' });
  });
});

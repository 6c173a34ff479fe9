// The instance's last word: the audit chain is sealed on SIGTERM, or by sealAll() where a host
// moves on without one; each writer once.
import { EventEmitter } from 'node:events';
import { sealAll, sealOnSigterm } from '../../../functions/src/platform/shutdown';

function fakeProcess() {
  const proc = Object.assign(new EventEmitter(), { pid: 1, kill: jest.fn() });
  return proc as unknown as NodeJS.Process & { kill: jest.Mock };
}

describe('sealing the audit chain when the instance stops', () => {
  it('seals on SIGTERM and raises it again when nothing else listens', async () => {
    const seal = jest.fn(async () => undefined);
    const proc = fakeProcess();
    sealOnSigterm({ seal }, 1000, proc);
    proc.emit('SIGTERM');
    await new Promise((resolve) => setImmediate(resolve));
    expect(seal).toHaveBeenCalledTimes(1);
    expect(proc.kill).toHaveBeenCalledWith(1, 'SIGTERM');
    await sealAll(); // forgets this writer, so the next test counts only its own
  });

  it('sealAll seals every registered writer now, and each only once', async () => {
    const a = jest.fn(async () => undefined);
    const b = jest.fn(async () => Promise.reject(new Error('Secret Manager is down')));
    sealOnSigterm({ seal: a }, 1000, fakeProcess());
    sealOnSigterm({ seal: b }, 1000, fakeProcess());
    await sealAll();
    await sealAll();
    expect([a.mock.calls.length, b.mock.calls.length]).toEqual([1, 1]);
  });
});

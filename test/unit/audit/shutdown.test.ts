import { EventEmitter } from 'node:events';
import { flushOnSigterm, type ShutdownProcess } from '../../../functions/src/audit/shutdown';

/** A process stand-in: an emitter with exit and kill recorded. */
function fakeProcess() {
  const events: string[] = [];
  const emitter = new EventEmitter();
  const proc = Object.assign(emitter, {
    pid: 42,
    exit: ((code?: number) => void events.push(`exit ${code ?? ''}`.trim())) as ShutdownProcess['exit'],
    kill: (_pid: number, signal: string) => (events.push(`kill ${signal}`), true),
  });
  return { proc: proc as unknown as ShutdownProcess & EventEmitter, events };
}

const tick = () => new Promise((r) => setImmediate(r));

describe('flushOnSigterm', () => {
  it('holds back the Functions Framework exit until the flush is done', async () => {
    const { proc, events } = fakeProcess();
    // The framework's own handler, registered before ours: it exits at once.
    proc.on('SIGTERM', () => proc.exit(0));
    let release!: () => void;
    flushOnSigterm(() => new Promise<void>((r) => (release = () => (events.push('flushed'), r()))), 5000, proc);
    proc.emit('SIGTERM');
    await tick();
    expect(events).toEqual([]);
    release();
    await tick();
    expect(events).toEqual(['flushed', 'exit 0']);
  });

  it('raises SIGTERM again when nothing else handles it, so the process still ends', async () => {
    const { proc, events } = fakeProcess();
    flushOnSigterm(async () => void events.push('flushed'), 5000, proc);
    proc.emit('SIGTERM');
    await tick();
    expect(events).toEqual(['flushed', 'kill SIGTERM']);
    expect(proc.listenerCount('SIGTERM')).toBe(0);
  });

  it('gives up on the flush at the deadline', async () => {
    jest.useFakeTimers();
    try {
      const { proc, events } = fakeProcess();
      proc.on('SIGTERM', () => proc.exit(143));
      flushOnSigterm(() => new Promise<void>(() => undefined), 8000, proc);
      proc.emit('SIGTERM');
      await jest.advanceTimersByTimeAsync(7999);
      expect(events).toEqual([]);
      await jest.advanceTimersByTimeAsync(1);
      expect(events).toEqual(['exit 143']);
    } finally {
      jest.useRealTimers();
    }
  });

  it('can be removed', () => {
    const { proc } = fakeProcess();
    const remove = flushOnSigterm(async () => undefined, 5000, proc);
    expect(proc.listenerCount('SIGTERM')).toBe(1);
    remove();
    expect(proc.listenerCount('SIGTERM')).toBe(0);
  });
});

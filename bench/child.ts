// A forked helper process (the server, the load generator) spoken to over IPC: request/response by
// id, the child's first message says it is ready. fork() inherits tsx's loader (process.execArgv).
import { fork, type ChildProcess } from 'node:child_process';
import { closeSync, fstatSync, openSync, readSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface Child {
  readonly pid: number;
  call<T>(msg: object, timeoutMs?: number): Promise<T>;
  /** The last part of the child's stderr. */
  stderr(): string;
  /** With `stdout: 'pipe'` or `'file'`: the lines and bytes the child wrote to stdout. */
  stdout(): { lines: number; bytes: number };
  stop(): Promise<void>;
}

type Reply = { id: number; ok: boolean; value?: unknown; error?: string };

export async function startChild<Ready>(
  file: string,
  env: NodeJS.ProcessEnv,
  opts: { execArgv?: string[]; readyTimeoutMs?: number; stdout?: 'pipe' | 'file' | 'inherit' } = {},
): Promise<{ child: Child; ready: Ready }> {
  const execArgv = [...process.execArgv, ...(opts.execArgv ?? [])];
  // `file`: stdout is a file, counted when asked (no reader on this machine's cores, bench/http.ts).
  const outFile = opts.stdout === 'file' ? join(tmpdir(), `keyward-bench-stdout-${process.pid}-${Date.now()}`) : undefined;
  const outFd = outFile ? openSync(outFile, 'w+') : undefined;
  const proc: ChildProcess = fork(file, [], { env, execArgv, stdio: ['ignore', outFd ?? (opts.stdout === 'pipe' ? 'pipe' : 'inherit'), 'pipe', 'ipc'] });
  const out = { lines: 0, bytes: 0 };
  /** Counts what the child appended to its stdout file since the last call. */
  let fileOpen = outFd !== undefined;
  const readFile = () => {
    if (outFd === undefined || !fileOpen) return;
    const buf = Buffer.alloc(1 << 20);
    for (let n; out.bytes < fstatSync(outFd).size && (n = readSync(outFd, buf, 0, buf.length, out.bytes)) > 0; ) {
      out.bytes += n;
      for (let i = buf.indexOf(10); i !== -1 && i < n; i = buf.indexOf(10, i + 1)) out.lines++;
    }
  };
  // A pipe, as Cloud Run gives a function's stdout; drained here so the child never blocks on it.
  proc.stdout?.on('data', (b: Buffer) => {
    out.bytes += b.length;
    for (let i = b.indexOf(10); i !== -1; i = b.indexOf(10, i + 1)) out.lines++;
  });
  let err = '';
  proc.stderr!.on('data', (b: Buffer) => {
    err = (err + b.toString()).slice(-20_000);
  });
  let exited = false;
  const exit = new Promise<void>((r) => proc.once('exit', () => ((exited = true), r())));
  const pending = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();
  proc.on('message', (m: Reply) => {
    const p = pending.get(m.id);
    if (!p) return;
    pending.delete(m.id);
    if (m.ok) p.resolve(m.value);
    else p.reject(new Error(m.error));
  });
  void exit.then(() => {
    if (outFd !== undefined && fileOpen) {
      fileOpen = false;
      closeSync(outFd);
      unlinkSync(outFile!);
    }
    for (const p of pending.values()) p.reject(new Error(`${file} exited\n${err.slice(-2000)}`));
    pending.clear();
  });
  let next = 1;
  const wait = <T>(id: number, timeoutMs: number, what: string) =>
    new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        pending.delete(id);
        reject(new Error(`${file}: no answer to ${what} within ${timeoutMs} ms\n${err.slice(-2000)}`));
      }, timeoutMs);
      pending.set(id, {
        resolve: (v) => (clearTimeout(timer), resolve(v as T)),
        reject: (e) => (clearTimeout(timer), reject(e)),
      });
    });
  const child: Child = {
    pid: proc.pid!,
    call<T>(msg: object, timeoutMs = 120_000) {
      const id = next++;
      const answer = wait<T>(id, timeoutMs, JSON.stringify(msg).slice(0, 80));
      proc.send({ ...msg, id });
      return answer;
    },
    stderr: () => err,
    stdout: () => (readFile(), { ...out }),
    async stop() {
      if (exited) return;
      proc.kill('SIGTERM');
      const timer = setTimeout(() => proc.kill('SIGKILL'), 5000);
      await exit;
      clearTimeout(timer);
    },
  };
  try {
    const ready = await wait<Ready>(0, opts.readyTimeoutMs ?? 60_000, 'start');
    return { child, ready };
  } catch (e) {
    await child.stop();
    throw e;
  }
}

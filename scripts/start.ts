// `npm start`: the whole local stack on the contract's ports, in the foreground until Ctrl-C.
import { readFileSync } from 'node:fs';
import { DEFAULT_PORTS, PortInUseError, startStack, type Stack } from './stack';

async function main(): Promise<void> {
  let stack: Stack | undefined;
  let stopping = false;
  const abort = new AbortController();
  let starting: Promise<unknown> = Promise.resolve();
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    process.stdout.write(`\n${signal}: stopping the local stack…\n`);
    abort.abort(new Error(`interrupted by ${signal}`));
    try {
      // an interrupted start cleans up after itself; a finished one is stopped here
      const started = (await starting.catch(() => undefined)) as Stack | undefined;
      await (started ?? stack)?.stop();
      process.exit(0);
    } catch (err) {
      console.error(`error while stopping: ${(err as Error).message}`);
      process.exit(1);
    }
  };
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(sig, () => void shutdown(sig));
  watchNpmParent(() => void shutdown('npm exited'));

  console.log('Starting the Keyward local stack (project demo-keyward)…');
  try {
    const p = startStack({ ports: { ...DEFAULT_PORTS }, signal: abort.signal });
    starting = p;
    stack = await p;
  } catch (err) {
    if (stopping) return; // shutdown() exits once the start has cleaned up
    if (err instanceof PortInUseError) {
      console.error(`\nnpm start: ${err.message}.\nStop whatever is listening there (for example another \`npm start\`) and try again.`);
    } else {
      console.error(`\nnpm start: the local stack did not start: ${(err as Error).message}`);
    }
    process.exit(1);
  }
  if (stopping) return; // a signal arrived while starting: shutdown() finishes the job

  const rows: [string, string][] = [
    ['console and REST API (/v1)', stack.urls.hosting],
    ['Functions emulator', stack.urls.functions],
    ['Auth emulator', stack.urls.auth],
    [`Firestore (${stack.firestoreKind === 'official' ? 'official emulator' : 'stand-in, no transaction isolation'})`, stack.urls.firestore],
    ['Secret Manager emulator (gRPC)', stack.urls.secretManager],
    ['Cloud Logging emulator (gRPC)', stack.urls.logging],
  ];
  const w = Math.max(...rows.map(([k]) => k.length));
  console.log(`\nKeyward local stack is up in ${(stack.timings.total / 1000).toFixed(1)} s (project ${stack.projectId}):\n`);
  for (const [k, v] of rows) console.log(`  ${k.padEnd(w)}  ${v}`);
  console.log(
    `\nFirestore: ${
      stack.firestoreKind === 'official'
        ? 'the official emulator (Java >= 21 found).'
        : 'the @firestore-emulator/server stand-in (the official emulator needs Java >= 21 and its JAR).'
    }`,
  );
  console.log('Provider secrets are seeded in the Secret Manager emulator. Press Ctrl-C to stop.\n');
}

/**
 * `npm start` runs `sh -c "npm run build && tsx scripts/start.ts"`. A SIGTERM sent to npm alone
 * kills npm and that shell without reaching tsx and this process, which would keep the stack
 * running as orphans. So, under an npm script on Linux, stop as soon as the npm process is gone.
 */
function watchNpmParent(onGone: () => void): void {
  if (!process.env.npm_lifecycle_event || process.platform !== 'linux') return;
  let pid = process.ppid;
  let npmPid: number | undefined;
  for (let depth = 0; depth < 6 && pid > 1; depth++) {
    let cmdline: string[];
    let ppid: number;
    try {
      cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
      ppid = Number(/^\d+ \(.*\) \S+ (\d+)/s.exec(readFileSync(`/proc/${pid}/stat`, 'utf8'))?.[1]);
    } catch {
      return;
    }
    // npm sets its title ("npm start", "npm run start"); otherwise `node …/npm-cli.js start`
    if (/^npm( |$)/.test(cmdline[0]) || cmdline.slice(0, 2).some((a) => /(^|\/)npm(-cli\.js)?$/.test(a))) {
      npmPid = pid;
      break;
    }
    pid = ppid;
  }
  if (npmPid === undefined) return;
  const timer = setInterval(() => {
    try {
      process.kill(npmPid!, 0);
    } catch {
      clearInterval(timer);
      onGone();
    }
  }, 1000);
  timer.unref();
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});

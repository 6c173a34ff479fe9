/**
 * Runs one local gRPC emulator in the foreground:
 *   npx tsx emulators/cli.ts secret-manager --port 8085 [--host 127.0.0.1]
 *   npx tsx emulators/cli.ts logging --port 8086
 * Prints `ready <name> <host>:<port>` once listening (a parent process can wait for that line),
 * stops cleanly on SIGINT/SIGTERM, exits 1 with a one-line reason when it cannot start.
 */
import { parseArgs } from 'node:util';
import { startLoggingEmulator } from './logging';
import { startSecretManagerEmulator } from './secret-manager';

const EMULATORS = {
  'secret-manager': startSecretManagerEmulator,
  logging: startLoggingEmulator,
} as const;
type EmulatorName = keyof typeof EMULATORS;

const USAGE = `usage: emulators/cli.ts <${Object.keys(EMULATORS).join('|')}> --port <port> [--host <host>]`;

interface Args {
  name: EmulatorName;
  host: string;
  port: number;
}

function parseCommandLine(argv: string[]): Args {
  let parsed: ReturnType<typeof readArgs>;
  try {
    parsed = readArgs(argv);
  } catch (err) {
    throw new Error(`${(err as Error).message}\n${USAGE}`, { cause: err });
  }
  const [name, ...extra] = parsed.positionals;
  if (!name || !(name in EMULATORS)) throw new Error(name ? `unknown emulator "${name}"\n${USAGE}` : USAGE);
  if (extra.length) throw new Error(`unexpected argument "${extra[0]}"\n${USAGE}`);
  const { host = '127.0.0.1', port: portText } = parsed.values;
  if (portText === undefined) throw new Error(`--port is required\n${USAGE}`);
  const port = Number(portText);
  if (!/^\d+$/.test(portText) || port > 65535) throw new Error(`--port must be a port number, got "${portText}"`);
  return { name: name as EmulatorName, host, port };
}

const readArgs = (argv: string[]) =>
  parseArgs({ args: argv, allowPositionals: true, options: { host: { type: 'string' }, port: { type: 'string' } } });

async function main(): Promise<void> {
  const args = parseCommandLine(process.argv.slice(2));
  const emulator = await EMULATORS[args.name]({ host: args.host, port: args.port });
  process.stdout.write(`ready ${args.name} ${args.host}:${emulator.port}\n`);
  let stopping = false;
  const shutdown = () => {
    if (stopping) return;
    stopping = true;
    emulator.stop().then(
      () => process.exit(0),
      (err: unknown) => {
        process.stderr.write(`error while stopping: ${String(err)}\n`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
}

main().catch((err: unknown) => {
  // Expected failures (bad arguments, PortInUseError) are one clear line; nothing else is expected.
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});

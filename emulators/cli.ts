/**
 * Runs one local gRPC emulator in the foreground:
 *   npx tsx emulators/cli.ts secret-manager --port 8085 [--host 127.0.0.1]
 *   npx tsx emulators/cli.ts logging --port 8086
 * Prints `ready <name> <host>:<port>` once listening (a parent process can wait for that line),
 * stops cleanly on SIGINT/SIGTERM, exits 1 with a one-line reason when it cannot start.
 */
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

function parseArgs(argv: string[]): Args {
  const [name, ...rest] = argv;
  if (!name || !(name in EMULATORS)) throw new Error(name ? `unknown emulator "${name}"\n${USAGE}` : USAGE);
  let host = '127.0.0.1';
  let port: number | undefined;
  for (let i = 0; i < rest.length; i += 2) {
    const [flag, value] = [rest[i], rest[i + 1]];
    if (value === undefined) throw new Error(`${flag} needs a value\n${USAGE}`);
    if (flag === '--host') host = value;
    else if (flag === '--port') {
      port = Number(value);
      if (!/^\d+$/.test(value) || port > 65535) throw new Error(`--port must be a port number, got "${value}"`);
    } else throw new Error(`unknown option ${flag}\n${USAGE}`);
  }
  if (port === undefined) throw new Error(`--port is required\n${USAGE}`);
  return { name: name as EmulatorName, host, port };
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
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

/**
 * `npx keyward-emulators`: what a project that installed Keyward as a function kit (docs/kit.md)
 * runs beside `firebase emulators:start`: the local Secret Manager and Cloud Logging emulators,
 * with every kit instance's provider secrets seeded. Shipped in the keyward-functions package
 * (bundled to lib/bin/keyward-emulators.js by scripts/build-emulators.mjs).
 *
 *   npx keyward-emulators --project demo-myproject [--instance keys ...] [--host 127.0.0.1]
 *                         [--secret-manager-port 8085] [--logging-port 8086] [--config firebase.json]
 *
 * Without --instance, the instances are read from the kit entries of firebase.json whose source
 * depends on keyward-functions. Prints `ready ...` lines, then the two variables the Functions
 * emulator needs, and stays in the foreground until Ctrl-C.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig } from '../functions/src/config';
import { seedProviderSecrets } from '../scripts/seed-secrets';
import { startLoggingEmulator } from './logging';
import { startSecretManagerEmulator } from './secret-manager';

const USAGE =
  'usage: keyward-emulators --project <demo-project> [--instance <id> ...] [--host 127.0.0.1] [--secret-manager-port 8085] [--logging-port 8086] [--config firebase.json]';

interface KitEntry {
  kit?: string;
  source?: string;
  instances?: Record<string, string>;
}

/** Instance ids of the kit entries in firebase.json whose source depends on keyward-functions. */
export function keywardInstances(configFile: string): string[] {
  const config = JSON.parse(readFileSync(configFile, 'utf8')) as { functions?: KitEntry | KitEntry[] };
  const out: string[] = [];
  for (const entry of [config.functions ?? []].flat()) {
    if (!entry.kit || !entry.source || !entry.instances) continue;
    const manifest = join(dirname(configFile), entry.source, 'package.json');
    const deps = existsSync(manifest) ? (JSON.parse(readFileSync(manifest, 'utf8')) as { dependencies?: Record<string, string> }).dependencies ?? {} : {};
    if ('keyward-functions' in deps) out.push(...Object.keys(entry.instances));
  }
  return out;
}

const port = (text: string | undefined, fallback: number, flag: string): number => {
  if (text === undefined) return fallback;
  if (!/^\d+$/.test(text) || Number(text) > 65535) throw new Error(`${flag} must be a port number, got "${text}"`);
  return Number(text);
};

async function main(): Promise<void> {
  const { values } = parseArgs({
    args: process.argv.slice(2),
    options: {
      project: { type: 'string' },
      instance: { type: 'string', multiple: true },
      host: { type: 'string' },
      'secret-manager-port': { type: 'string' },
      'logging-port': { type: 'string' },
      config: { type: 'string' },
    },
  });
  const projectId = values.project;
  if (!projectId) throw new Error(`--project is required\n${USAGE}`);
  const host = values.host ?? '127.0.0.1';
  const instances = values.instance ?? keywardInstances(resolve(values.config ?? 'firebase.json'));
  if (instances.length === 0) throw new Error(`no Keyward instance: pass --instance, or run where firebase.json has a keyward-functions kit entry\n${USAGE}`);
  // The ids the functions themselves read (config.ts), each instance's own.
  const secretIds = [...new Set(instances.flatMap((id) => Object.values(loadConfig({ GOOGLE_CLOUD_PROJECT: projectId, FIREBASE_KIT_INSTANCE_ID: id }).secrets)))];

  const secretManager = await startSecretManagerEmulator({ host, port: port(values['secret-manager-port'], 8085, '--secret-manager-port') });
  const logging = await startLoggingEmulator({ host, port: port(values['logging-port'], 8086, '--logging-port') }).catch(async (err: unknown) => {
    await secretManager.stop();
    throw err;
  });
  process.stdout.write(`ready secret-manager ${host}:${secretManager.port}\nready logging ${host}:${logging.port}\n`);

  const { grpc } = require('google-gax') as typeof import('google-gax');
  const { SecretManagerServiceClient } = require('@google-cloud/secret-manager') as typeof import('@google-cloud/secret-manager');
  const client = new SecretManagerServiceClient({ apiEndpoint: host, port: secretManager.port, sslCreds: grpc.credentials.createInsecure(), projectId, universeDomain: 'googleapis.com' });
  try {
    await seedProviderSecrets(client, projectId, secretIds);
  } finally {
    await client.close();
  }
  process.stdout.write(`seeded ${secretIds.join(', ')} in ${projectId}\n`);
  process.stdout.write(`SECRET_MANAGER_EMULATOR_HOST=${host}:${secretManager.port}\nCLOUD_LOGGING_EMULATOR_HOST=${host}:${logging.port}\n`);

  let stopping = false;
  const shutdown = () => {
    if (stopping) return;
    stopping = true;
    Promise.all([secretManager.stop(), logging.stop()]).then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});

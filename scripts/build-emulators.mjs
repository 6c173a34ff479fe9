// Bundles emulators/kit-cli.ts into functions/lib/bin/keyward-emulators.js: the `keyward-emulators`
// command of the keyward-functions package (docs/kit.md). gRPC's server pieces are bundled in; the
// Google client packages (dependencies of the package, whose protos the emulators load) stay outside.
import { build } from 'esbuild';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..');
await build({
  entryPoints: [join(root, 'emulators', 'kit-cli.ts')],
  outfile: join(root, 'functions', 'lib', 'bin', 'keyward-emulators.js'),
  bundle: true,
  platform: 'node',
  target: 'node24',
  format: 'cjs',
  banner: { js: '#!/usr/bin/env node' },
  external: ['@google-cloud/*', 'google-gax', 'ipaddr.js'],
  logLevel: 'warning',
});

// Builds `<keyward-api-keys>` (elements/src) into one ES module with esbuild: into the functions
// package as lib/elements/keyward.mjs (`keyward-functions/elements`, with its types, and its JSX
// types for React as `keyward-functions/elements/react`), and, called from build-console.mjs, into
// Hosting's public folder as /elements/keyward.js. Same source, same options, so both are the same
// bytes. No framework and no dependency at run time.
import { build } from 'esbuild';
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
export const ELEMENTS_ENTRY = join(root, 'elements', 'src', 'keyward.ts');
export const PACKAGE_OUTFILE = join(root, 'functions', 'lib', 'elements', 'keyward.mjs');

/** Writes the module to `outfile`; resolves with its size in bytes, raw and gzipped. */
export async function buildElements(outfile) {
  mkdirSync(dirname(outfile), { recursive: true });
  const result = await build({
    entryPoints: [ELEMENTS_ENTRY],
    outfile,
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: ['es2022', 'chrome110', 'firefox110', 'safari16.4'],
    minify: true,
    legalComments: 'none',
    write: false,
    logLevel: 'warning',
  });
  const code = result.outputFiles[0].contents;
  writeFileSync(outfile, code);
  return { bytes: code.length, gzipBytes: gzipSync(code, { level: 9 }).length };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  buildElements(PACKAGE_OUTFILE)
    .then(({ bytes, gzipBytes }) => {
      // The element's types, and its JSX types for React (`keyward-functions/elements/react`).
      for (const types of ['keyward.d.ts', 'react.d.ts']) copyFileSync(join(root, 'elements', types), join(dirname(PACKAGE_OUTFILE), types));
      console.log(`elements: built ${relative(root, PACKAGE_OUTFILE)} (${(bytes / 1024).toFixed(1)} KiB, ${(gzipBytes / 1024).toFixed(1)} KiB gzipped)`);
    })
    .catch((err) => {
      console.error(`elements build failed: ${err.message}`);
      process.exit(1);
    });
}

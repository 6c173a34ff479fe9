// `npm run audit:verify -- <export.json> --jwks <audit-jwks.json | https://…/.well-known/audit-jwks.json>`
// Checks an export of the audit trail (GET /v1/audit/export, the console's export) offline, with the
// public keys alone (docs/audit.md#verifying). Prints the report as JSON; exits 0 when it is clean
// (`ok`: no tampering; an `unfinished` chain is listed but is not tampering), 1 when a tampering
// problem was found, 2 on bad usage. The export's own `verification` is ignored: this
// recomputes it.
import { readFileSync } from 'node:fs';
import type { JWK } from 'jose';
import { verifyTrail } from '../functions/src/audit/verify';
import type { AuditExport } from '../functions/src/actions/audit-verify';

const USAGE = 'usage: npm run audit:verify -- <export.json> --jwks <jwks.json | https URL>';

async function readJwks(where: string): Promise<JWK[]> {
  const text = /^https?:\/\//.test(where) ? await (await fetch(where)).text() : readFileSync(where, 'utf8');
  const keys = (JSON.parse(text) as { keys?: JWK[] }).keys;
  if (!Array.isArray(keys)) throw new Error(`${where} is not a JWKS ({"keys": [...]})`);
  return keys;
}

export async function main(argv: string[]): Promise<number> {
  const at = argv.indexOf('--jwks');
  const file = argv.find((a, i) => !a.startsWith('--') && i !== at + 1);
  if (at < 0 || !argv[at + 1] || !file) {
    console.error(USAGE);
    return 2;
  }
  const data = JSON.parse(readFileSync(file, 'utf8')) as AuditExport;
  if (data.format !== 'keyward-audit-export/1') {
    console.error(`${file} is not a Keyward audit export (format keyward-audit-export/1)`);
    return 2;
  }
  const report = await verifyTrail({
    entries: data.entries,
    checkpoints: data.checkpoints,
    stores: ['logging', 'firestore'],
    jwks: await readJwks(argv[at + 1]!),
    from: data.from,
    to: data.to,
    now: Date.parse(data.exportedAt),
    // Checkpoints come at least once a minute: entries newer than two minutes at export time may not be covered yet.
    pendingMs: 120_000,
  });
  console.log(JSON.stringify(report, null, 2));
  return report.ok ? 0 : 1;
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err: unknown) => {
      console.error(`audit:verify: ${(err as Error).message}`);
      process.exit(2);
    },
  );
}

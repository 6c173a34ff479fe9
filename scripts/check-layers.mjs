// The dependency rules of functions/src (docs/architecture.md), checked in `npm run lint`:
// 1. The layer order: every folder and top-level file has a rank in LAYERS (below), and imports
//    only its own rank or lower ones. A new folder or file without a rank fails, so its place in
//    the house is decided when it is made.
// 2. Domain modules never see the HTTP edge: nothing under the domain folders imports `http/`,
//    `express` or the framework's request types.
// 3. No import cycle between folders (a folder is one layer), nor between files; within a rank,
//    folders may use each other one way only.
// Imports are read with a regular expression: enough for this codebase's plain import statements
// and its lazy `require('…')` calls, which count like imports.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';

const ROOT = resolve(process.argv[2] ?? 'functions/src');
const DOMAIN = ['actions', 'audit', 'contract', 'credentials', 'keys', 'limits', 'lib', 'notifications', 'oauth', 'secret-scanning', 'secrets', 'sessions', 'signing', 'store', 'teams', 'tokens'];
const EDGE_IMPORTS = [/^express$/, /^firebase-functions(\/|$)/];

/** The house from the bottom up, as docs/architecture.md draws it: folders end in `/`. */
export const LAYERS = [
  ['identity.ts', 'errors.ts', 'decision.ts', 'request.ts', 'lib/'], // the shared vocabulary
  ['secrets/'], // the provider-secret port and its Secret Manager source
  ['keys/', 'tokens/', 'signing/', 'teams/'], // pure rules and formats of each credential kind, and a team's roles
  ['settings.ts', 'config.ts', 'params.ts'], // settings: declared once, typed and validated once
  ['audit/', 'limits/', 'store/', 'sessions/'], // adapters and the rules that need them
  ['credentials/'], // the pipeline: credential → identity
  ['contract/', 'oauth/', 'platform/', 'client/', 'guard.ts', 'jwks.ts'], // the public contract, and what sits beside the pipeline
  ['actions/'], // what a caller can do
  ['notifications/', 'secret-scanning/'], // services built on the actions
  ['services.ts'], // the composition root
  ['http/', 'app.ts', 'callables.ts', 'middleware.ts', 'public.ts'], // the edge
  ['index.ts'], // the exported functions
];
const RANK = new Map(LAYERS.flatMap((names, rank) => names.map((name) => [name.replace(/\/$/, ''), rank])));

function files(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path) : path.endsWith('.ts') ? [path] : [];
  });
}

const IMPORT = /(?:^|\n)\s*(?:import|export)\s[^;]*?from\s+'([^']+)'|require\('([^']+)'\)/g;
const graph = new Map();
const problems = [];
const folderOf = (file) => {
  const rel = relative(ROOT, file).split(sep);
  return rel.length > 1 ? rel[0] : `(root)/${rel[0]}`;
};
const rankOf = (folder) => RANK.get(folder.replace(/^\(root\)\//, ''));

for (const file of files(ROOT)) {
  const text = readFileSync(file, 'utf8');
  const targets = [];
  for (const m of text.matchAll(IMPORT)) {
    const spec = m[1] ?? m[2];
    const folder = folderOf(file);
    if (!spec.startsWith('.')) {
      if (DOMAIN.includes(folder) && EDGE_IMPORTS.some((re) => re.test(spec))) problems.push(`${relative(ROOT, file)} imports '${spec}': domain code must not depend on the HTTP edge or the functions framework`);
      continue;
    }
    const target = resolve(dirname(file), spec) + '.ts';
    targets.push(target);
    const [from, to] = [rankOf(folder), rankOf(folderOf(target))];
    if (from !== undefined && to !== undefined && to > from) {
      problems.push(`${relative(ROOT, file)} imports ${relative(ROOT, target)}: layer ${from} (${folder}) may not import layer ${to} (${folderOf(target)})`);
    }
    if (DOMAIN.includes(folder) && folderOf(target) === 'http') problems.push(`${relative(ROOT, file)} imports ${relative(ROOT, target)}: domain code must not depend on http/`);
  }
  graph.set(file, targets);
}
for (const folder of new Set([...graph.keys()].map(folderOf))) {
  if (rankOf(folder) === undefined) problems.push(`${folder} has no place in the layer order: add it to LAYERS in scripts/check-layers.mjs and to docs/architecture.md`);
}

function cycles(edges) {
  const found = [];
  const state = new Map();
  const stack = [];
  const visit = (node) => {
    state.set(node, 'open');
    stack.push(node);
    for (const next of edges.get(node) ?? []) {
      if (state.get(next) === 'open') found.push([...stack.slice(stack.indexOf(next)), next]);
      else if (!state.has(next)) visit(next);
    }
    stack.pop();
    state.set(node, 'done');
  };
  for (const node of edges.keys()) if (!state.has(node)) visit(node);
  return found;
}

const folders = new Map();
for (const [file, targets] of graph) {
  const from = folderOf(file);
  if (!folders.has(from)) folders.set(from, new Set());
  for (const t of targets) if (folderOf(t) !== from) folders.get(from).add(folderOf(t));
}
for (const c of cycles(folders)) problems.push(`folder cycle: ${c.join(' → ')}`);
for (const c of cycles(graph)) problems.push(`file cycle: ${c.map((f) => relative(ROOT, f)).join(' → ')}`);

if (problems.length) {
  console.error(`check-layers: ${problems.length} problem(s) in ${relative(process.cwd(), ROOT)}`);
  for (const p of problems) console.error(`  ${p}`);
  process.exit(1);
}
console.log(`check-layers: ${graph.size} modules, ${folders.size} folders in ${LAYERS.length} layers, every import downward, no cycles, domain free of http/`);

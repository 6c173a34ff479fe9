// Every script runs on the Node version the functions deploy on (firebase.json: nodejs24).
// On Linux, `npm install` brings that Node as an optional platform package into
// node_modules/.bin, which npm scripts put first on PATH; elsewhere install Node 24 yourself.
const major = Number(process.versions.node.split('.')[0]);
if (major !== 24) {
  console.error(`Keyward runs on Node 24 (the deployed runtime, nodejs24); this is Node ${process.versions.node}.`);
  console.error('Run it through npm (npm test, npm start, npm run bench) so node_modules/.bin/node is used, or install Node 24.');
  process.exit(1);
}

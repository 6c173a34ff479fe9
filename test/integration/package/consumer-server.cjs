// A project outside this repository that installed the packed keyward-functions tarball: plain
// JavaScript, only the package's public entry points. Started by consumer.test.ts; prints its URL.
const express = require('express');
const { createServices, loadConfig, keywardAuth, requireClaimsMiddleware, identityOf, keywardErrorHandler } = require('keyward-functions/middleware');
const { requireClaims } = require('keyward-functions/guard');
const { remoteTokenVerifier } = require('keyward-functions/jwks');

const services = createServices(loadConfig());
// Stopped with SIGTERM: the audit chain's final checkpoint first (docs/audit.md#checkpoints), so the
// trail does not read this server's chain as unfinished.
process.once('SIGTERM', () => void services.audit.close().finally(() => process.exit(0)));
const auth = keywardAuth(services);
const app = express();
app.disable('x-powered-by');

const who = (req, res) => res.json({ uid: identityOf(res).uid, method: identityOf(res).method, body: req.body ?? null });

// The documented order: keywardAuth first; a parser after it finds the body already read.
app.get('/reports', auth, requireClaimsMiddleware({ permission: 'reports:read' }), who);
app.post('/notes', auth, express.json(), requireClaimsMiddleware({ permission: 'reports:read' }), who);
// A parser first that keeps the bytes.
app.post('/kept', express.json({ verify: (req, _res, buf) => { req.rawBody = buf; } }), auth, who);
// A parser first that keeps nothing: signed requests cannot be checked, and the answer says why.
app.post('/parsed', express.json(), auth, who);
// The guard alone, on an identity the middleware found.
app.get('/guard', auth, (_req, res) => res.json({ ok: Boolean(requireClaims(identityOf(res), { permission: 'reports:read' })) }));
// A service that only verifies access tokens with the JWKS.
const verify = remoteTokenVerifier({ issuer: services.config.tokens.issuer, audience: services.config.tokens.audience, jwksUrl: process.env.CONSUMER_JWKS_URL });
app.get('/jwks-only', async (req, res) => {
  try {
    res.json(await verify(String(req.headers.authorization ?? '').replace(/^Bearer /, '')));
  } catch (err) {
    res.status(401).json({ error: { code: err.code, message: err.message } });
  }
});
// For the test: whether buffered audit entries have been written, or have failed to be.
app.get('/audit-stats', (_req, res) => res.json(services.audit.stats()));
app.use(keywardErrorHandler());

const server = app.listen(0, '127.0.0.1', () => console.log(`listening http://127.0.0.1:${server.address().port}`));

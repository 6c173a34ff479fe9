/**
 * Builds Keyward's services from configuration: the Firebase and Google clients at the edges,
 * created lazily on first use (cold starts pay for nothing they do not need), and the pure
 * logic wired to them. Tests and benchmarks call this too, so they run the same code.
 */
import type { App } from 'firebase-admin/app';
import type { Firestore } from 'firebase-admin/firestore';
import type { SecretManagerServiceClient } from '@google-cloud/secret-manager';
import { managedSink, type AuditSink, type ManagedAuditSink } from './audit/events';
import { auditLog, type AuditLog } from './actions/audit-log';
import { auditReads } from './audit/read-cache';
import { verifiedKeyOf } from './credentials/verified-key';
import { auditReadLimiter } from './limits/audit-read-limiter';
import { collectionName, instanceName, type Config } from './config';
import { apiKeyVerifier, type KeyCache } from './credentials/key-credential';
import { idTokenChecker, idTokenVerifier, sessionCookieVerifier } from './credentials/firebase-tokens';
import { createAuthenticator, type Authenticate, type Verifiers } from './credentials/pipeline';
import { keyService, type KeyService, type LeakReport } from './actions/keys';
import { sessionService, type SessionService } from './actions/sessions';
import { useRecorder as recordUses, type UseRecorder } from './keys/use-recorder';
import { initializedClient } from './lib/initialized-client';
import { lazy } from './lib/lazy';
import { RefreshingCache } from './lib/refreshing-cache';
import { ChangeFollower, type ChangeSource } from './lib/change-feed';
import { firestoreChanges } from './store/changes';
import { providerSecret, secretManagerSource, type ProviderSecret } from './secrets/provider';
import { firestoreKeyStore } from './store/keys';
import { instanceCollections } from './store/instance-collections';
import { firestoreKeySlots } from './store/key-slots';
import { revisionOf, type KeyRecord, type KeyStore } from './keys/record';
import { userDirectory, type AuthPort, type UserDirectory } from './store/users';
import type { AccessTransport } from './audit/access-transport';
import { checkpointLogName, cloudLoggingAudit, cloudLoggingEntries, loggingClient } from './audit/cloud-logging';
import { signCheckpoint } from './audit/checkpoint';
import { auditVerifier, type AuditVerifier } from './actions/audit-verify';
import { firestoreAuditCheckpoints } from './store/audit-checkpoints';
import type { JWK } from 'jose';
import { grpcInsecure } from './lib/emulator-hosts';
import { accessTokenVerifier, type AccessTokenVerifier } from './credentials/access-token';
import { signatureVerifier, signedKeyVerifier } from './credentials/signature';
import { callLimiter, type CallLimiter } from './limits/call-limiter';
import type { CounterStore } from './limits/counters';
import { failureLimiter } from './limits/failure-limiter';
import { issueLimiter } from './limits/issue-limiter';
import { firestoreUsageStore } from './store/usage';
import { usageReport, type UsageReporter } from './actions/usage';
import { leasedLimiter, type Limiter } from './limits/limiter';
import { creditsCounter } from './limits/plan';
import { enforce } from './limits/rules';
import { firestoreNonceStore, type NonceStore } from './store/nonces';
import { firestoreCounters } from './store/limit-counters';
import { firestoreSignedOutSessions } from './store/signed-out';
import { tokenIssuer, type TokenIssuer } from './actions/tokens';
import { tokenKeyring } from './tokens/keyring';
import { githubReportHandler } from './secret-scanning/github';
import { githubKeyring } from './secret-scanning/github-keys';
import type { Feedback } from './secret-scanning/report';
import type { RequestContext } from './request';
import type { AppCheckVerifier } from './credentials/app-check';
import { firebaseAppCheckVerifier, jwksAppCheckVerifier } from './platform/app-check';
import { addressAllowed } from './notifications/address';
import { systemResolver, type DestinationPolicy, type Resolver } from './notifications/destination';
import { noticeRecipient, sendExpiryNotices } from './notifications/expiry';
import { notifier, type Notifier } from './notifications/notifier';
import { webhookDeliveries, type DeliveryQueue, type WebhookDeliveries } from './notifications/deliveries';
import { deliveryLog, type DeliveryLog } from './notifications/delivery-log';
import type { Notice } from './notifications/notice';
import type { RevokedBy } from './actions/revoke-key';
import { cloudTasksDeliveryQueue } from './notifications/cloud-tasks-queue';
import { firestoreDeliveryStore } from './store/webhook-deliveries';
import { webhookSettings, type WebhookSettings } from './notifications/webhooks';
import { firestoreNotificationStore } from './store/notifications';
import { ownerCeiling, ownerLimits, type OwnerLimitsService } from './actions/owner-limits';
import { firestoreOwnerLimits, type OwnerLimits } from './store/owner-limits';
import { firestoreTeamStore } from './store/teams';
import type { MemberRecord, TeamRecord } from './teams/record';
import { keyOwners, teamAccess as teamAccessOf, type TeamAccess } from './actions/team-access';
import { teamService, type TeamService } from './actions/teams';
import { invitationService, type InvitationService } from './actions/invitations';
import { decideTeamRead } from './teams/roles';
import { teamPrincipal } from './teams/record';

export interface Services {
  config: Config;
  now: () => number;
  auth: () => AuthPort;
  firestore: () => Firestore;
  users: UserDirectory;
  hmacSecret: ProviderSecret;
  tokenSecret: ProviderSecret;
  keyStore: KeyStore;
  keyCache: KeyCache;
  keys: KeyService;
  audit: ManagedAuditSink;
  auditLog: AuditLog;
  /** `GET /v1/audit/verify` and `/v1/audit/export` (actions/audit-verify.ts). */
  auditVerify: AuditVerifier;
  /** The public keys that verify the audit checkpoints: `GET /.well-known/audit-jwks.json`. */
  auditJwks: () => Promise<JWK[]>;
  verifiers: Verifiers;
  /** The credential pipeline (credentials/pipeline.ts), built once: `/v1` and the middleware share it. */
  authenticate: Authenticate;
  /** Session cookies: sign-in and sign-out (actions/sessions.ts). */
  sessions: SessionService;
  /** Access tokens: issuance and the JWKS (actions/tokens.ts). */
  tokens: TokenIssuer;
  /** Whether an access token is active, whoever presents it: `POST /oauth/introspect`. */
  inspectAccessToken: AccessTokenVerifier['inspect'];
  /** Limits and credits of key-based credentials, applied by the pipeline. */
  callLimits: CallLimiter;
  nonces: NonceStore;
  /** The shared counters every limit is counted on (Firestore), and the one limiter over them. */
  rateCounters: CounterStore;
  limiter: Limiter;
  /** Secret-scanning partner endpoints (secret-scanning/): a report in, feedback out. */
  secretScanning: { github: (info: RequestContext) => Promise<Feedback[]> };
  /** Telling key owners (notifications/): leaks, expiry soon; their webhook settings. */
  /** Verifies Firebase App Check tokens (credentials/app-check.ts; platform/app-check.ts). */
  appCheck: AppCheckVerifier;
  notifications: {
    notifier: Notifier;
    webhooks: WebhookSettings;
    sendExpiryNotices: () => Promise<{ checked: number; sent: number }>;
    /** Webhook deliveries through the task queue (notifications/deliveries.ts): `run` is the task handler. */
    deliveries: WebhookDeliveries;
    /** `GET /v1/notifications/deliveries`, and retrying one (notifications/delivery-log.ts). */
    deliveryLog: DeliveryLog;
  };
  /** Per-key uses counted in memory, written once a minute per key (keys/use-recorder.ts). */
  useRecorder: UseRecorder;
  /** `GET /v1/usage` and `getUsage`: the daily counts the recorder wrote (actions/usage.ts). */
  usage: UsageReporter;
  /** An owner's own limits and credits, shared by all their keys: `/v1/me/limits` (actions/owner-limits.ts). */
  ownerLimits: OwnerLimitsService;
  /** This instance's reader of the change feed (lib/change-feed.ts, docs/cache.md). */
  changeFeed: ChangeFollower;
  /** Teams, their members and invitations (actions/teams.ts, actions/invitations.ts), and who a caller is to a team. */
  teams: TeamService;
  invitations: InvitationService;
  teamAccess: TeamAccess;
}

export interface ServiceOverrides {
  appCheck?: AppCheckVerifier;
  now?: () => number;
  audit?: AuditSink;
  /** Where access lines go instead of `config.audit.accessTo` (a test that reads the lines). */
  auditAccess?: AccessTransport;
  app?: () => App;
  /** Resolves webhook hosts instead of the machine's DNS (tests: a table of names). */
  resolveHost?: Resolver;
  /** Where webhook delivery tasks go instead of Cloud Tasks (an in-process app has no task queue function). */
  deliveryQueue?: (run: (task: { deliveryId: string; attempt: number }) => Promise<void>) => DeliveryQueue;
  /** Wraps where the change feed is read (a test that stalls the feed on one instance). */
  changeSource?: (source: ChangeSource) => ChangeSource;
}

function firebaseApp(config: Config): () => App {
  return lazy(() => {
    const { getApps, initializeApp } = require('firebase-admin/app') as typeof import('firebase-admin/app');
    const name = `keyward-${config.projectId}`;
    return getApps().find((a) => a.name === name) ?? initializeApp({ projectId: config.projectId }, name);
  });
}

/** The Secret Manager client, initialized on first use (lib/initialized-client.ts). */
function secretManagerClient(env: NodeJS.ProcessEnv): () => Promise<SecretManagerServiceClient> {
  return initializedClient((): SecretManagerServiceClient => {
    const { SecretManagerServiceClient } = require('@google-cloud/secret-manager') as typeof import('@google-cloud/secret-manager');
    const host = env.SECRET_MANAGER_EMULATOR_HOST;
    if (!host) return new SecretManagerServiceClient();
    const [apiEndpoint, port] = host.split(':');
    // universeDomain spares the client a metadata-server probe (and its warning) against the emulator.
    return new SecretManagerServiceClient({ apiEndpoint, port: Number(port), sslCreds: grpcInsecure(), universeDomain: 'googleapis.com' });
  }, (client) => client.initialize());
}

/**
 * An audit sink whose chain is signed (docs/audit.md#checkpoints), for writers outside the functions
 * (the admin CLI): without checkpoints their entries are chained but covered by no signature, and a
 * verification reads the chain as `unfinished`. `close()` writes the final checkpoint to Cloud
 * Logging and Firestore; the Secret Manager and Firestore clients are the process's to end.
 */
export function signedAuditSink(config: Config, env: NodeJS.ProcessEnv, app: () => App = firebaseApp(config)): ManagedAuditSink {
  const now = Date.now;
  const firestore = lazy(() => (require('firebase-admin/firestore') as typeof import('firebase-admin/firestore')).getFirestore(app()));
  const secrets = secretManagerSource(config.projectId, secretManagerClient(env), config.dependencyTimeoutMs);
  const keyring = tokenKeyring(providerSecret(secrets, config.secrets.auditSigningSecretId, config.secretsTtlMs, now), now);
  return cloudLoggingAudit(config, env, {
    now,
    checkpoints: {
      sign: async (claims) => signCheckpoint(claims, await keyring.signingKey()),
      stores: { firestore: firestoreAuditCheckpoints(firestore, config.dependencyTimeoutMs).store },
      intervalMs: config.audit.checkpointIntervalMs,
    },
  });
}

export function createServices(config: Config, env: NodeJS.ProcessEnv = process.env, overrides: ServiceOverrides = {}): Services {
  const now = overrides.now ?? Date.now;
  const app = overrides.app ?? firebaseApp(config);
  const auth = lazy(() => (require('firebase-admin/auth') as typeof import('firebase-admin/auth')).getAuth(app()));
  // Named per function-kit instance (config.ts `collectionName`); the plain names outside a kit.
  const firestore = lazy(() => {
    const db = (require('firebase-admin/firestore') as typeof import('firebase-admin/firestore')).getFirestore(app());
    return config.instance === undefined ? db : instanceCollections(db, (name) => collectionName(config, name));
  });
  const secrets = secretManagerSource(config.projectId, secretManagerClient(env), config.dependencyTimeoutMs);
  const hmacSecret = providerSecret(secrets, config.secrets.hmacSecretId, config.secretsTtlMs, now);
  const tokenSecret = providerSecret(secrets, config.secrets.tokenSigningSecretId, config.secretsTtlMs, now);
  // The change feed (docs/cache.md): a commit lands within the dependency timeout of its `at`, plus a second for clock skew.
  const changes = firestoreChanges(firestore, config.dependencyTimeoutMs, now);
  const changeFeed = new ChangeFollower({
    source: overrides.changeSource ? overrides.changeSource(changes) : changes,
    intervalMs: config.feedIntervalMs,
    boundMs: config.cacheTtlMs,
    overlapMs: config.dependencyTimeoutMs + 1000,
    horizonMs: config.recordTtlMs,
    now,
  });
  const longLived = { feed: changeFeed, longTtlMs: config.recordTtlMs };
  const users = userDirectory(auth, config.cacheTtlMs, changeFeed);
  const keyStore = firestoreKeyStore(firestore, config.dependencyTimeoutMs, changes);
  const keyCache: KeyCache = new RefreshingCache<string, KeyRecord | null>({
    ttlMs: config.cacheTtlMs,
    maxEntries: 50_000,
    now,
    ...longLived,
    // A copy at the feed entry's revision already holds the change (a null one, a key unknown then, never does).
    revisionOf: (record) => (record ? revisionOf(record) : undefined),
    load: async (id) => (await keyStore.get(id)) ?? null,
  });
  changeFeed.subscribe('key', keyCache);
  // Teams and memberships: cached long, dropped by the feed's `team` and `member` entries (a removed member loses the team within the bound).
  const teamStore = firestoreTeamStore(firestore, config.dependencyTimeoutMs, changes);
  const teamCache = new RefreshingCache<string, TeamRecord | null>({ ttlMs: config.cacheTtlMs, maxEntries: 10_000, now, ...longLived, load: async (id) => (await teamStore.get(id)) ?? null });
  const memberCache = new RefreshingCache<string, MemberRecord | null>({
    ttlMs: config.cacheTtlMs,
    maxEntries: 50_000,
    now,
    ...longLived,
    load: async (key) => {
      const slash = key.indexOf('/');
      return (await teamStore.member(key.slice(0, slash), key.slice(slash + 1))) ?? null;
    },
  });
  changeFeed.subscribe('team', teamCache);
  changeFeed.subscribe('member', memberCache);
  const teamAccess = teamAccessOf({ store: teamStore, teams: teamCache, members: memberCache });
  // Whose grants a key acts with: its owner's, or its team's (never the claims of the member who made it).
  const owners = keyOwners(users, teamAccess);
  const useRecorder = recordUses(
    async (flush) => {
      // The owner came with the use (the verified record's); a lookup only for a use recorded without one.
      const ownerUid = flush.ownerUid ?? (keyCache.peek(flush.keyId) ?? (await keyCache.get(flush.keyId)))?.ownerUid;
      if (ownerUid) await keyStore.recordUse(ownerUid, flush);
    },
    { intervalMs: config.useRecorder.flushIntervalMs, now },
  );
  const usageReader = usageReport({
    store: firestoreUsageStore(firestore, config.dependencyTimeoutMs),
    keys: keyStore,
    flush: () => useRecorder.flush(),
    teamOwner: async (identity, teamId) => (await teamAccess.standing(identity, teamId)) && teamPrincipal(teamId),
    now,
  });
  const logging = loggingClient(config.projectId, env);
  // The audit chains' checkpoints are signed with their own secret, not the tokens' (docs/audit.md#checkpoints).
  const auditKeyring = tokenKeyring(providerSecret(secrets, config.secrets.auditSigningSecretId, config.secretsTtlMs, now), now);
  const auditCheckpoints = firestoreAuditCheckpoints(firestore, config.dependencyTimeoutMs);
  const audit = overrides.audit
    ? managedSink(overrides.audit)
    : cloudLoggingAudit(config, env, {
        logging,
        now,
        access: overrides.auditAccess,
        checkpoints: {
          sign: async (claims) => signCheckpoint(claims, await auditKeyring.signingKey()),
          stores: { firestore: auditCheckpoints.store },
          intervalMs: config.audit.checkpointIntervalMs,
        },
      });
  const auditJwks = () => auditKeyring.publicJwks();
  const rateCounters = firestoreCounters(firestore, config.dependencyTimeoutMs);
  const limiter = leasedLimiter(rateCounters, { onOutage: config.limitsOnOutage, now });
  // Every entries.list call of an audit read, budgeted below Cloud Logging's quota and cached briefly.
  const auditReadBudget = auditReadLimiter(
    limiter,
    { perUser: { limit: config.auditReads.perUserPerMinute, period: 'minute' }, perProject: { limit: config.auditReads.perProjectPerMinute, period: 'minute' } },
    config.audit.readFrom,
    now,
  );
  const reads = auditReads({ spend: (view) => (view.callerCharged ? auditReadBudget.takeProject() : auditReadBudget.take(view.uid)), ttlMs: config.auditReads.cacheMs, now });
  const auditVerify = auditVerifier({
    projectId: config.projectId,
    logName: config.auditLogName,
    instance: config.instance,
    checkpointLogName: checkpointLogName(config.auditLogName),
    list: cloudLoggingEntries(config.audit.readFrom, logging, 2 * config.audit.writeTimeoutMs),
    reads,
    chargeCaller: (uid) => auditReadBudget.takeUser(uid),
    firestoreCheckpoints: (from, to, limit) => auditCheckpoints.reader.between(from, to, limit),
    jwks: auditJwks,
    flush: () => audit.flush(),
    intervalMs: config.audit.checkpointIntervalMs,
    now,
  });
  const auditReader = auditLog({ projectId: config.projectId, logName: config.auditLogName, instance: config.instance, list: cloudLoggingEntries(config.audit.readFrom, logging, 2 * config.audit.writeTimeoutMs), reads, flush: () => audit.flush(), emailOf: async (uid) => (await users.get(uid))?.email, teamReader: async (identity, teamId) => void (await teamAccess.allowed(identity, teamId, (role) => decideTeamRead(role, 'audit'))) });
  const createLimit = (uid: string) =>
    enforce(limiter, 'key-create', uid, { limit: config.keyCreateLimitPerHour, period: 'hour' }, now(), 'Too many keys created; try again later.');
  const creditsSpent = (record: KeyRecord) => (record.credits ? rateCounters.read(creditsCounter('credits', record.keyId, record.credits, now())) : Promise.resolve(0));
  // Notices about keys are sent by the notifier built further down (it needs the key service's neighbours).
  const late: { tell?: Notifier } = {};
  const notify = (notice: Notice) => late.tell?.send(notice, { method: 'scheduler' }) ?? Promise.resolve();
  const onRevoked = (record: KeyRecord, by: RevokedBy) =>
    notify({ type: 'key.revoked', ownerUid: noticeRecipient(record), keyId: record.keyId, keyName: record.name, at: record.revokedAt ?? now(), by });
  const keys = keyService({ config, store: keyStore, slots: firestoreKeySlots(firestore, config.dependencyTimeoutMs), cache: keyCache, changes, hmacSecret, users: owners, audit, useRecorder, now, createLimit, creditsSpent, teams: teamAccess, onRevoked });
  const failures = failureLimiter(limiter, {
    perAddress: { limit: config.failureLimitPerMinute, period: 'minute' },
    perKey: { limit: config.failureLimitPerKeyHour, period: 'hour' },
  });
  const nonces = firestoreNonceStore(firestore, config.dependencyTimeoutMs);
  const keyring = tokenKeyring(tokenSecret, now);
  const appCheck =
    overrides.appCheck ??
    (config.appCheck.jwksUrl ? jwksAppCheckVerifier({ jwksUrl: config.appCheck.jwksUrl, projectId: config.projectId, now }) : firebaseAppCheckVerifier(app));
  const signatureDeps = { appCheck, cache: keyCache, hmacSecret, users: owners, useRecorder, failures, nonces, windowSeconds: config.signing.windowSeconds, now };
  const checkIdToken = idTokenChecker(auth, users);
  const signedOut = firestoreSignedOutSessions(firestore, config.cacheTtlMs, config.dependencyTimeoutMs, now, { changes, follower: changeFeed, longTtlMs: config.recordTtlMs });
  const accessToken = accessTokenVerifier({
    keyring,
    cache: keyCache,
    users: owners,
    useRecorder,
    issuer: config.tokens.issuer,
    audience: config.tokens.audience,
    maxTtlSeconds: Math.max(...Object.values(config.tokens.ttlSeconds)),
    ttlSeconds: config.tokens.ttlSeconds,
    now,
  });
  const verifiers: Verifiers = {
    idToken: idTokenVerifier(checkIdToken),
    session: sessionCookieVerifier(auth, users, signedOut, config.allowedOrigins),
    apiKey: apiKeyVerifier({ appCheck, cache: keyCache, hmacSecret, users: owners, useRecorder, failures, keyPrefix: config.keys.prefix, now }),
    accessToken,
    signature: signatureVerifier(signatureDeps),
    knownAccessToken: accessToken.remembers,
  };
  const tokens = tokenIssuer({
    config,
    keyring,
    verifyApiKey: verifiers.apiKey,
    verifySigned: signedKeyVerifier(signatureDeps),
    limiter: issueLimiter(limiter, config.rateLimits, now),
    audit,
    now,
  });
  const ownerLimitsStore = firestoreOwnerLimits(firestore, config.dependencyTimeoutMs, changes);
  // Read on every key-based request: cached like key records, a miss (no settings) included.
  const ownerLimitsCache = new RefreshingCache<string, OwnerLimits | null>({ ttlMs: config.cacheTtlMs, maxEntries: 50_000, now, ...longLived, load: (uid) => ownerLimitsStore.get(uid) });
  changeFeed.subscribe('owner-limits', ownerLimitsCache);
  const ownerLimitsService = ownerLimits({
    store: ownerLimitsStore,
    cache: ownerLimitsCache,
    audit,
    ceiling: ownerCeiling(Object.values(config.rateLimits).map((r) => r.callsPerMinute), config.keys.maxPerUser),
    creditsSpent: (uid, credits) => rateCounters.read(creditsCounter('owner-credits', uid, credits, now())),
    onOutage: config.limitsOnOutage,
    now,
  });
  const callLimits = callLimiter({
    limiter,
    counters: rateCounters,
    typeLimits: config.rateLimits,
    // The record the credential verified with; the cache only for an identity made without one.
    keyOf: (identity) => verifiedKeyOf(identity) ?? keyCache.peek(identity.keyId) ?? keyCache.get(identity.keyId),
    ownerOf: (uid) => ownerLimitsService.of(uid),
    audit,
    now,
    onFirstRefusal: (record, r) =>
      notify({ type: 'key.limit', ownerUid: noticeRecipient(record), keyId: record.keyId, keyName: record.name, at: now(), kind: r.kind, limit: r.limit, window: r.window, resetAt: r.resetAt }),
  });
  const keyOwner = async (keyId: string) => (await keyCache.get(keyId))?.ownerUid;
  const authenticate = createAuthenticator({ verifiers, users, audit, tokenIssuer: config.tokens.issuer, callLimits, keyPrefix: config.keys.prefix, keyOwner, failures, now });
  const sessions = sessionService({
    rules: config.sessions,
    secureCookies: !config.emulated,
    allowedOrigins: config.allowedOrigins,
    auth,
    users,
    audit,
    checkIdToken,
    authenticate,
    signedOut,
    changes,
    now,
    signInLimit: (info) =>
      enforce(limiter, 'sign-in', info.ip, { limit: config.sessionLimitPerMinute, period: 'minute' }, now(), 'Too many sign-ins from this address; try again shortly.'),
  });
  const github = githubKeyring({
    url: config.secretScanning.githubKeysUrl,
    ttlMs: config.secretScanning.githubKeysTtlMs,
    refetchAfterMs: config.secretScanning.githubRefetchAfterMs,
    timeoutMs: config.dependencyTimeoutMs,
    now,
  });
  const notificationStore = firestoreNotificationStore(firestore, config.notifications.mailCollection, config.dependencyTimeoutMs);
  // Webhook hosts are resolved and judged when set and again when a notice is delivered (pinned to the address checked).
  const destinations: DestinationPolicy = { resolve: overrides.resolveHost ?? systemResolver, allowed: (address) => addressAllowed(address, config.emulated) };
  const deliveryStore = firestoreDeliveryStore(firestore, config.dependencyTimeoutMs);
  // The task function's queue: `webhookDelivery` (index.ts), `kit-<instance>-webhookDelivery` in a function kit.
  const queueRef: { run?: WebhookDeliveries['run'] } = {};
  const queue = overrides.deliveryQueue
    ? overrides.deliveryQueue((task) => queueRef.run!(task))
    : cloudTasksDeliveryQueue(app, instanceName(config.instance, 'webhookDelivery'));
  const deliveries = webhookDeliveries({
    store: deliveryStore,
    settings: notificationStore,
    users,
    hmacSecret,
    audit,
    queue,
    destinations,
    schedule: config.notifications.webhookSchedule,
    timeoutMs: config.notifications.webhookTimeoutMs,
    disableAfterMs: config.notifications.webhookDisableAfterMs,
    now,
    log: (entry) => console.error(JSON.stringify(entry)),
  });
  queueRef.run = deliveries.run;
  const tell = notifier({ store: notificationStore, users, audit, deliveries });
  late.tell = tell;
  const notifications = {
    notifier: tell,
    deliveries,
    deliveryLog: deliveryLog({ store: deliveryStore, deliveries, audit }),
    webhooks: webhookSettings({ store: notificationStore, hmacSecret, allowLocal: config.emulated, destinations, resolveTimeoutMs: config.notifications.webhookTimeoutMs, audit, now }),
    sendExpiryNotices: () => sendExpiryNotices({ store: notificationStore, notifier: tell, now }),
  };
  const onLeaked = (record: KeyRecord, report: LeakReport) =>
    tell.send(
      { type: 'key.leak', ownerUid: noticeRecipient(record), keyId: record.keyId, keyName: record.name, at: now(), credential: report.credential, url: report.url, source: report.source },
      { method: 'secret_scanning' },
    );
  const teams = teamService({
    store: teamStore,
    access: teamAccess,
    keys: {
      createdBy: async (teamId, uid) => (await keys.teamKeys(teamId, uid)).map((r) => ({ id: r.keyId, name: r.name })),
      revokeCreatedBy: async (teamId, uid, identity, info) => keys.revokeForTeam(await keys.teamKeys(teamId, uid), identity, uid === undefined ? 'team deleted' : 'creator left the team', info),
    },
    users,
    audit,
    now,
  });
  const invitations = invitationService({
    store: teamStore,
    access: teamAccess,
    users,
    audit,
    mail: (id, to, message) => notificationStore.enqueueMail(id, to, message),
    site: config.publicUrl ?? config.tokens.issuer,
    now,
  });
  const secretScanning = { github: githubReportHandler({ keyring: github, store: keyStore, hmacSecret, keys, now, onRevoked: onLeaked }) };
  return { config, now, auth, firestore, users, hmacSecret, tokenSecret, keyStore, keyCache, keys, audit, auditLog: auditReader, auditVerify, auditJwks, verifiers, authenticate, sessions, tokens, inspectAccessToken: accessToken.inspect, callLimits, nonces, rateCounters, limiter, secretScanning, appCheck, notifications, useRecorder, usage: usageReader, ownerLimits: ownerLimitsService, changeFeed, teams, invitations, teamAccess };
}

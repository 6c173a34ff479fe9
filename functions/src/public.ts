/** What a project imports to protect its own endpoints with Keyward. Re-exports only. */
export { keywardAuth, requireClaimsMiddleware, identityOf, keywardErrorHandler, RAW_BODY_ADVICE, type KeywardAuthOptions } from './middleware';
export { requireClaims, hasClaims, effectiveGrants, type ClaimRequirement } from './credentials/guard';
export type { AuthMethod, Claims, Identity } from './identity';
export { createServices, type Services } from './services';
export { loadConfig, type Config } from './config';
export { KeywardError, type ErrorCode } from './errors';

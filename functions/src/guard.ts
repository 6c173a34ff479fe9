/** `keyward-functions/guard`: the claims guard alone (pure, no Firebase import). */
export { requireClaims, hasClaims, effectiveGrants, type ClaimRequirement } from './credentials/guard';
export type { AuthMethod, Claims, Identity } from './identity';

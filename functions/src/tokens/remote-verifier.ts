/**
 * Verifies Keyward access tokens in a service elsewhere, with nothing but the published keys:
 * jose's remote JWKS (fetched once, cached, refetched when a token names an unknown `kid`), then
 * the same checks Keyward makes (ES256 only, `typ: at+jwt`, issuer, audience, times). It cannot
 * see revocation: a token stays valid until `exp` for such a service. Ask Keyward when that
 * matters (`POST /oauth/introspect`), or keep token lifetimes short.
 */
import type { JWTPayload } from 'jose';
import type { KeyType } from '../identity';
import { readSubject, TOKEN_ALG, TOKEN_TYP } from './claims';

export interface RemoteVerifierOptions {
  /** The tokens' `iss`: the site's URL when KEYWARD_PUBLIC_URL is set. */
  issuer: string;
  /** The tokens' `aud` (`KEYWARD_TOKEN_AUDIENCE`, default `<project>-api`). */
  audience: string;
  /** Default: `<issuer>/.well-known/jwks.json`. */
  jwksUrl?: string;
  /** Seconds of clock difference tolerated (default 5). */
  clockToleranceSeconds?: number;
}

export interface VerifiedAccessToken {
  /** The key owner's uid. */
  sub: string;
  keyId: string;
  keyType: KeyType;
  /** The token's scopes; null: the owner's full permissions. */
  scopes: string[] | null;
  payload: JWTPayload;
}

export class AccessTokenError extends Error {
  constructor(
    readonly code: 'invalid_token' | 'expired_token',
    message: string,
  ) {
    super(message);
    this.name = 'AccessTokenError';
  }
}

export function remoteTokenVerifier(options: RemoteVerifierOptions): (token: string) => Promise<VerifiedAccessToken> {
  const jose = require('jose') as typeof import('jose');
  const jwksUrl = new URL(options.jwksUrl ?? `${options.issuer.replace(/\/+$/, '')}/.well-known/jwks.json`);
  const jwks = jose.createRemoteJWKSet(jwksUrl);
  return async (token) => {
    let payload: JWTPayload;
    try {
      ({ payload } = await jose.jwtVerify(token, jwks, {
        algorithms: [TOKEN_ALG],
        typ: TOKEN_TYP,
        issuer: options.issuer,
        audience: options.audience,
        clockTolerance: options.clockToleranceSeconds ?? 5,
        requiredClaims: ['sub', 'exp', 'iat', 'jti'],
      }));
    } catch (err) {
      if ((err as { code?: string }).code === 'ERR_JWT_EXPIRED') throw new AccessTokenError('expired_token', 'The access token has expired.');
      throw new AccessTokenError('invalid_token', 'The access token is not valid.');
    }
    const subject = readSubject(payload as Record<string, unknown>);
    if (!subject) throw new AccessTokenError('invalid_token', 'The access token is not valid.');
    return { sub: subject.uid, keyId: subject.keyId, keyType: subject.keyType, scopes: subject.scopes, payload };
  };
}

/** `keyward-functions/jwks`: verify Keyward's access tokens in another service, with the published JWKS. */
export { remoteTokenVerifier, AccessTokenError, type RemoteVerifierOptions, type VerifiedAccessToken } from './tokens/remote-verifier';

/**
 * The name a bearer secret (a session cookie, an ID token) is kept under instead of itself: its
 * SHA-256, base64url. The verified-token cache and the signed-out list use the same name, so a
 * request hashes its cookie once for both.
 */
import { hash } from 'node:crypto';

export const tokenHash = (token: string): string => hash('sha256', token, 'base64url');

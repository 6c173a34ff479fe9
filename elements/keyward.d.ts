// Types of `keyward-functions/elements` (shipped as lib/elements/keyward.d.ts; docs/elements.md).

/** What `keyward-change` reports: the key's view as the API shows it, never its secret. */
export interface KeywardKeyView {
  id: string;
  name: string;
  type: 'server' | 'web' | 'mobile';
  status: 'active' | 'disabled' | 'expired' | 'revoked';
  [field: string]: unknown;
}

export interface KeywardChangeDetail {
  action: 'created' | 'regenerated' | 'paused' | 'resumed' | 'revoked';
  key: KeywardKeyView;
}

export interface KeywardErrorDetail {
  /** HTTP status, 0 when Keyward could not be reached. */
  status: number;
  /** The API's error code (`unauthenticated`, `invalid_request`, …). */
  code: string;
  message: string;
}

export declare class KeywardApiKeys extends HTMLElement {
  /** The `api` attribute: the API's base URL; empty is the page's own origin. */
  api: string;
  /** The `team` attribute: that team's keys instead of the user's. */
  team: string | null;
  /** From another origin: resolves to the signed-in user's Firebase ID token. */
  getIdToken: (() => Promise<string> | string) | undefined;
  /** Loads the keys again. */
  refresh(): Promise<void>;
}

declare global {
  interface HTMLElementTagNameMap {
    'keyward-api-keys': KeywardApiKeys;
  }
  interface HTMLElementEventMap {
    'keyward-change': CustomEvent<KeywardChangeDetail>;
    'keyward-error': CustomEvent<KeywardErrorDetail>;
  }
}

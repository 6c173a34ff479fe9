// `<keyward-api-keys>` in React + TypeScript (shipped as lib/elements/react.d.ts, exported as
// `keyward-functions/elements/react`; docs/elements.md#react). Types only, so the package takes no
// dependency on react: `import type {} from 'keyward-functions/elements/react'` once in the app.
// React 19's types (and the later releases of @types/react 18) read JSX from `React.JSX`, which
// this file augments; the `import` below makes it a module, so `declare module 'react'` adds to
// React's types instead of replacing them.
import type { KeywardApiKeys, KeywardChangeDetail, KeywardErrorDetail } from './keyward';

/** What the element takes in JSX: React's own attributes and ref, and the element's. */
export type KeywardApiKeysProps = import('react').DetailedHTMLProps<import('react').HTMLAttributes<KeywardApiKeys>, KeywardApiKeys> & {
  /** Keyward's base URL, for another origin; empty (the default) is the page's own origin. */
  api?: string;
  /** A team id: that team's keys instead of the user's. */
  team?: string;
  /** From another origin: resolves to the signed-in user's Firebase ID token (React 19 sets it as a property). */
  getIdToken?: KeywardApiKeys['getIdToken'];
  /** React 19 listens to a custom element's events by name after `on`. */
  'onkeyward-change'?: (event: CustomEvent<KeywardChangeDetail>) => void;
  'onkeyward-error'?: (event: CustomEvent<KeywardErrorDetail>) => void;
};

declare module 'react' {
  namespace JSX {
    interface IntrinsicElements {
      'keyward-api-keys': KeywardApiKeysProps;
    }
  }
}

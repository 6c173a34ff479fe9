/**
 * `keyward-functions/elements` (and Hosting's `/elements/keyward.js`): importing it defines
 * `<keyward-api-keys>` once; the class is exported for pages that want to subclass or check it.
 */
import type { KeywardApiKeys as Declared } from '../keyward';
import { KeywardApiKeys } from './api-keys';

export { KeywardApiKeys };
export type { ChangeAction } from './api-keys';

if (typeof customElements !== 'undefined' && !customElements.get('keyward-api-keys')) customElements.define('keyward-api-keys', KeywardApiKeys);

/** The shipped types (elements/keyward.d.ts, written by hand) must describe this class: the compiler holds them to it. */
type Describes<T extends Pick<Declared, 'api' | 'team' | 'getIdToken' | 'refresh'>> = T;
export type ShippedTypesMatch = Describes<KeywardApiKeys>;

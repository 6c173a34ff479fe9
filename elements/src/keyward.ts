/**
 * `keyward-functions/elements` (and Hosting's `/elements/keyward.js`): importing it defines
 * `<keyward-api-keys>` once; the class is exported for pages that want to subclass or check it.
 */
import { KeywardApiKeys } from './api-keys';

export { KeywardApiKeys };
export type { ChangeAction } from './api-keys';

if (typeof customElements !== 'undefined' && !customElements.get('keyward-api-keys')) customElements.define('keyward-api-keys', KeywardApiKeys);

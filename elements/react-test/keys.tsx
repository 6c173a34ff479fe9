// Type test of elements/react.d.ts, compiled by `npm run lint` (tsconfig.json here) and, against the
// built package's exports, by test/deploy/elements.test.ts: `<keyward-api-keys>` type-checks in React
// JSX with its attributes, property, ref and events, and each wrong use is an error (every
// `@ts-expect-error` fails the compile when its line stops being one).
import type {} from 'keyward-functions/elements/react';
import type { KeywardApiKeys, KeywardChangeDetail } from 'keyward-functions/elements';
import { useRef } from 'react';

export function Keys({ token }: { token: () => Promise<string> }) {
  const ref = useRef<KeywardApiKeys>(null);
  const changed = (event: CustomEvent<KeywardChangeDetail>) => console.log(event.detail.action, event.detail.key.id);
  return (
    <div>
      <keyward-api-keys
        ref={ref}
        api="https://auth.example.com"
        team="team-1"
        getIdToken={token}
        onkeyward-change={changed}
        onkeyward-error={(event) => console.log(event.detail.status, event.detail.code)}
        className="keys"
      />
      <keyward-api-keys getIdToken={() => 'a token'} />
      <keyward-api-keys />
    </div>
  );
}

export function Wrong() {
  const input = useRef<HTMLInputElement>(null);
  return (
    <div>
      {/* @ts-expect-error `api` is a URL string */}
      <keyward-api-keys api={1} />
      {/* @ts-expect-error `getIdToken` is a function that returns the token, not the token */}
      <keyward-api-keys getIdToken="eyJhbGciOi" />
      {/* @ts-expect-error `team` is a team id */}
      <keyward-api-keys team={{ id: 'team-1' }} />
      {/* @ts-expect-error a `keyward-change` carries the change, not an error */}
      <keyward-api-keys onkeyward-change={(event: CustomEvent<{ status: number }>) => event.detail.status} />
      {/* @ts-expect-error the ref is to the element */}
      <keyward-api-keys ref={input} />
      {/* @ts-expect-error no such attribute */}
      <keyward-api-keys apiUrl="https://auth.example.com" />
      {/* @ts-expect-error no such element: React's intrinsic elements are checked at all */}
      <keyward-api-key />
    </div>
  );
}

/**
 * Cloud Run functions' runtime (the Functions Framework) and the Functions emulator parse request
 * bodies before any function code runs, and answer a body they cannot parse with their own HTML
 * page (an open Functions Framework limitation: GoogleCloudPlatform/functions-framework-nodejs#686).
 * The REST API reads and checks its bodies itself (http/body.ts), so that its errors are the contract's.
 *
 * So, in the `api` function's instances only, each request's `Content-Type` is set aside the moment
 * Node receives it (the documented `http.server.request.start` diagnostics channel, which runs
 * before any server code): no platform body parser claims a body without one. The function puts the
 * header back first thing. No other package is changed, whichever copy of body-parser or Express
 * the runtime loads.
 */
import { subscribe } from 'node:diagnostics_channel';
import type { IncomingMessage } from 'node:http';

const SET_ASIDE = Symbol('keyward.contentType');
type Held = IncomingMessage & { [SET_ASIDE]?: string };

let subscribed = false;

export function keepBodiesUnparsed(): void {
  if (subscribed) return;
  subscribed = true;
  subscribe('http.server.request.start', (message) => {
    const request = (message as { request: Held }).request;
    const type = request.headers['content-type'];
    if (type === undefined) return;
    request[SET_ASIDE] = type;
    delete request.headers['content-type'];
  });
}

/** Puts back the `Content-Type` set aside on arrival, before Keyward reads the request. */
export function restoreContentType(req: IncomingMessage): void {
  const held = req as Held;
  if (held[SET_ASIDE] === undefined) return;
  req.headers['content-type'] = held[SET_ASIDE];
  delete held[SET_ASIDE];
}

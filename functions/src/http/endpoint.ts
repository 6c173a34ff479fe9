/** Registers one path's methods, and a 405 with `Allow` for every other method. */
import type { Router } from 'express';
import { KeywardError } from '../errors';
import { route, sendError, type Handler, type HttpDeps, type RouteOptions } from './handler';

type Method = 'GET' | 'POST' | 'DELETE' | 'PUT' | 'PATCH';
export type MethodTable = Partial<Record<Method, Handler | [Handler, RouteOptions]>>;

/** One registered method of one path: what the shared security battery runs against. */
export interface RegisteredRoute {
  method: Method;
  path: string;
  /** Whether the pipeline authenticates the request first (RouteOptions.auth). */
  auth: boolean;
  /** The error shape it answers in: the contract's, or OAuth's (`/oauth/*`, http/oauth.ts). */
  errors: 'keyward' | 'oauth';
}

const registries = new WeakMap<Router, RegisteredRoute[]>();

/** Every route registered on a router (`endpoint()`, `oauthEndpoint()`), in order. */
export function routesOf(router: Router): readonly RegisteredRoute[] {
  return registries.get(router) ?? [];
}

/** Adds a route to the router's list: every way a router registers routes calls this. */
export function recordRoute(router: Router, registered: RegisteredRoute): void {
  const registry = registries.get(router) ?? [];
  registries.set(router, registry);
  registry.push(registered);
}

export function endpoint(router: Router, deps: HttpDeps, path: string, methods: MethodTable): void {
  const allowed = Object.keys(methods) as Method[];
  for (const method of allowed) {
    const entry = methods[method]!;
    const [handler, options] = Array.isArray(entry) ? entry : [entry, {}];
    router[method.toLowerCase() as 'get'](path, route(deps, handler, options));
    recordRoute(router, { method, path, auth: options.auth ?? true, errors: 'keyward' });
  }
  router.all(path, (_req, res) => {
    const allow = allowed.join(', ');
    sendError(res, new KeywardError('method_not_allowed', `Use ${allow} on this path.`, { allow: allowed }));
  });
}

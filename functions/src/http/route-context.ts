import type { Router } from 'express';
import type { Services } from '../services';
import type { HttpDeps } from './handler';

/** What every route file receives: the router to register on, the HTTP edge's own needs, the services. */
export interface RouteContext {
  router: Router;
  http: HttpDeps;
  services: Services;
}

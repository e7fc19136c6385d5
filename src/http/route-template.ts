// The route template a request was answered by (`/tenants/:tenant/api/users/:id`), noted while express
// routes it, for apiRequestMiddleware in server.ts. Reads express's request fields structurally, so
// express itself stays imported only by server.ts.
import type { IncomingMessage } from 'node:http';
import { subscribe } from 'node:diagnostics_channel';

/** The fields express's router sets on a request. */
type RoutedRequest = IncomingMessage & { baseUrl: string; route?: unknown };

/** A router the request entered: its layers, the `baseUrl` it ran with and that prefix as a template. */
interface Mount {
  readonly stack: readonly unknown[];
  readonly baseUrl: string;
  readonly template: string;
}

/** Where ROUTE_ACCESSOR keeps what it noted on a request. */
const MATCHED = Symbol('am-metrics: matched route');
interface MatchedRoute {
  route: unknown;
  template: string | undefined;
  /** Another such middleware's accessor (another copy of this package), called on so it keeps counting. */
  readonly earlier: PropertyDescriptor | undefined;
  /** `baseUrl` when the middleware first saw the request: the prefix of routers it did not see entered. */
  readonly rootBaseUrl: string;
  /** Routers entered since, in order (see noteMount). */
  readonly mounts: Mount[];
}
type NotedRequest = RoutedRequest & { [MATCHED]?: MatchedRoute };

/**
 * `req.route` on a request the middleware watches: stores the route and notes its template (the
 * mount template, see mountTemplate, + path) as express sets it. One pair of functions serves every
 * request, so V8 gives the requests a shared hidden class: with closures made per request, defining
 * the accessor cost 5 to 15 µs a request; this way it costs about 1 µs (a loop defining it on 100,000
 * fresh IncomingMessages, a loaded 2-core machine, so only the ratio means much).
 */
const ROUTE_ACCESSOR = {
  configurable: true,
  enumerable: true,
  get(this: NotedRequest): unknown {
    return this[MATCHED]?.route;
  },
  set(this: NotedRequest, value: unknown): void {
    const matched = this[MATCHED];
    if (matched === undefined) return; // never: noteRouteTemplate sets both
    matched.earlier?.set?.call(this, value);
    matched.route = value;
    // A route defined by several paths or a RegExp keeps its definition as text (`/a,/b`): which
    // path matched is express's secret, and one name per route still adds no series per request.
    const path = (value as { path?: unknown } | undefined)?.path;
    const isTemplate = typeof path === 'string' || path instanceof RegExp || Array.isArray(path);
    matched.template = isTemplate ? `${mountTemplate(matched, this.baseUrl)}${String(path)}` : undefined;
  },
};

/**
 * The template of the mount path `baseUrl` was matched by: the router entered last with that
 * `baseUrl` (the one running now), else `baseUrl` as the request spelt it (routers entered before the
 * middleware saw the request, express's router before 2.3, sub-apps).
 */
function mountTemplate(matched: MatchedRoute, baseUrl: string): string {
  for (let i = matched.mounts.length - 1; i >= 0; i -= 1) {
    const mount = matched.mounts[i] as Mount;
    if (mount.baseUrl === baseUrl) return mount.template;
  }
  return baseUrl;
}

/**
 * Notes the template of the route express matches for `req` at the moment it matches, and returns a
 * function reading it (undefined while no route has matched): the templates of the paths the routers
 * it passed were mounted at, then the route's path (`/tenants/:tenant/api` + `/users/:id`). Why not
 * read `req.baseUrl` + `req.route.path` at 'finish': express restores `req.baseUrl` when the request
 * leaves a mounted router, so an answer given outside it (an error thrown in the route, answered by
 * the app's error handler) would lose the mount path. express sets `req.route` when the route
 * matches, while `req.baseUrl` is still the router's mount path; an accessor on this one request
 * (ROUTE_ACCESSOR) sees that moment. A second middleware on the same request shares the first one's
 * notes.
 */
export function noteRouteTemplate(req: NotedRequest): () => string | undefined {
  watchMounts();
  let matched = req[MATCHED];
  if (matched === undefined) {
    matched = { route: req.route, template: undefined, earlier: Object.getOwnPropertyDescriptor(req, 'route'), rootBaseUrl: req.baseUrl ?? '', mounts: [] };
    req[MATCHED] = matched;
    Object.defineProperty(req, 'route', ROUTE_ACCESSOR);
  }
  const noted = matched;
  return () => noted.template;
}

/**
 * The start events of express's router (router 2.3 on, express 5's): a context per handler call with
 * `req`, `layer` and `route`, the pattern the layer was registered with. Documented in router's README
 * ("Diagnostics"); `layer.handle.stack` (a mounted router's layers) is router's internal shape, so
 * anything else found there is ignored and the request keeps the spelt mount path.
 */
const ROUTER_START_CHANNEL = 'tracing:express.router.request:start';
let isWatchingMounts = false;

function watchMounts(): void {
  if (isWatchingMounts) return;
  isWatchingMounts = true;
  subscribe(ROUTER_START_CHANNEL, noteMount);
}

/**
 * Records a router entered by a watched request (`app.use('/tenants/:tenant/api', router)`): when
 * router calls it, `req.baseUrl` already holds the matched prefix (`/tenants/acme/api`), and the
 * template is that of the router whose layers hold this one (or the root's) plus `route`.
 */
function noteMount(message: unknown): void {
  const { req, layer, route } = message as { req?: NotedRequest; layer?: { handle?: { stack?: unknown } }; route?: unknown };
  const matched = req?.[MATCHED];
  const stack = layer?.handle?.stack;
  if (matched === undefined || req === undefined || !Array.isArray(stack) || typeof route !== 'string') return;
  let prefix = matched.rootBaseUrl;
  for (let i = matched.mounts.length - 1; i >= 0; i -= 1) {
    const mount = matched.mounts[i] as Mount;
    if (mount.stack.includes(layer)) {
      prefix = mount.template;
      break;
    }
  }
  matched.mounts.push({ stack, baseUrl: req.baseUrl, template: `${prefix}${route.replace(/\/+$/, '')}` });
}

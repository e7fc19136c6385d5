// The HTTP face of the exporter: an express router a host app mounts, and a standalone server around
// it. The only file that imports express; what each endpoint answers lives in src/http/.
import { createServer as createHttpServer, STATUS_CODES, type Server as HttpServer, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import { MetricsHandlers, type MetricsRouterOptions } from './http/handlers.js';
import type { Collector } from './http/shared-scrape.js';
import { MonitoringPage, type LivePage } from './http/page/monitoring-page.js';
import { AIC_PATHS, HEALTH_PATH, JSON_PATH, LEGACY_PATHS, MONITORING_ASSETS_PATH, MONITORING_DATA_PATH, MONITORING_PAGE_PATH } from './http/paths.js';
import { sendJson, sendPlain } from './http/responses.js';
import { ManagementApi, METRIC_STREAMS_PATH } from './streams/management-api.js';
import { StreamApiError } from './streams/errors.js';
import type { AdminTokenSource } from './streams/admin-token.js';
import { applyLimits, resolveLimits, serverOptions, type ServerLimits } from './http/server-limits.js';
import { loadTls, tlsFiles, type TlsOptions } from './http/tls.js';
import { describeError, loggerOption, type Logger } from './http/logger.js';
import { noteRouteTemplate } from './http/route-template.js';
import { jsonEntryIdOfPath } from './exposition/am-json/json-view.js';
import { positiveInteger, ServerConfigError } from './http/errors.js';
import type { AuthOptions, AuthSource } from './http/auth.js';
import { DEFAULT_FILE_POLL_MS } from './http/file-watch.js';
import { Reloader, type Reloadable, type ReloadOutcome } from './http/reload.js';
import { API_KINDS, classifyStatus, type ApiKind, type ApiRequest, type ApiRequestMetrics, type FailureCode } from './metrics/api-request.js';

/**
 * What the endpoints read: a registry (or anything that collects, such as a cluster primary), or
 * anything holding one (`createAmMetrics()`'s result, a traffic simulator).
 */
export type MetricsSource = Collector | { readonly registry: Collector };

/** Port of the standalone server when none is given (AM's usual HTTP port). */
export const DEFAULT_PORT = 8080;
/** Highest TCP port number. */
const MAX_PORT = 65_535;
/** How long `close()` lets requests in flight finish before cutting their connections. */
const CLOSE_GRACE_MS = 5_000;

type Handler = (req: Request, res: Response) => void | Promise<void>;

/**
 * An express router serving AM's metrics endpoints, for a host app to mount:
 * `GET|HEAD /monitoring/prometheus/am` and `/metrics/prometheus/0.0.4` (AIC names), `/json/metrics/prometheus`
 * and `/metrics/prometheus` (legacy `_total` names), `/json/metrics/api` (AM's JSON view; one entry at
 * `/json/metrics/api/<id>`, ids from the `jsonIds` option), `/health`, and,
 * with the `page` option (e.g. `amLivePage`), `/monitoring`: a live page with the JSON it polls
 * (`/monitoring/data`) and its script, styles and charting library (`/monitoring/assets/*`), behind the
 * same access control.
 * Paths match exactly (case and trailing slash count); OPTIONS gets 204 with `Allow` and asks for no
 * credentials; other methods get 405; other paths pass on to the host app. With auth configured every
 * spelling of a metrics path needs credentials for anything but OPTIONS.
 * The router installs no signal handlers and keeps no timers.
 * @throws ServerConfigError for unusable auth, throttle or limit settings.
 */
export function createMetricsRouter(source: MetricsSource, options: MetricsRouterOptions = {}): Router {
  return routerOf(new MetricsHandlers(collectorOf(source), options), options);
}

function routerOf(handlers: MetricsHandlers, options: Pick<MetricsRouterOptions, 'page'>): Router {
  const router = express.Router({ caseSensitive: true, strict: true });
  router.use((req, res, next) => {
    if (handlers.guard(req, res)) next();
  });
  const refuse: Handler = (req, res) => (req.method === 'OPTIONS' ? handlers.options(req, res) : handlers.methodNotAllowed(req, res));
  for (const path of AIC_PATHS) addRoute(router, path, (req, res) => handlers.prometheus('aic', req, res), refuse);
  for (const path of LEGACY_PATHS) addRoute(router, path, (req, res) => handlers.prometheus('legacy', req, res), refuse);
  addRoute(router, JSON_PATH, (req, res) => handlers.json(req, res), refuse);
  // The id from the segment as sent (req.path, not req.params, which express has decoded already).
  const entryId = (req: Request) => jsonEntryIdOfPath(req.path.slice(JSON_PATH.length + 1)) ?? String(req.params.id);
  addRoute(router, `${JSON_PATH}/:id`, (req, res) => handlers.jsonEntry(entryId(req), req, res), refuse);
  addRoute(router, HEALTH_PATH, (req, res) => handlers.health(req, res), refuse);
  if (options.page !== undefined) addPage(router, handlers, options.page, refuse);
  return router;
}

function addPage(router: Router, handlers: MetricsHandlers, content: LivePage, refuse: Handler): void {
  const page = new MonitoringPage({ admit: (req, res) => handlers.guard(req, res), content });
  addRoute(router, MONITORING_PAGE_PATH, (req, res) => page.page(req, res), refuse);
  addRoute(router, MONITORING_DATA_PATH, (req, res) => handlers.pageData(content, req, res), refuse);
  router
    .route(`${MONITORING_ASSETS_PATH}/:file`)
    .get((req, res, next) => (page.hasAsset(req.params.file ?? '') ? page.asset(req.params.file ?? '', req, res) : next()))
    .all((req, res, next) => (page.hasAsset(req.params.file ?? '') ? refuse(req, res) : next()));
}

/** GET (and so HEAD: express answers it with the GET handler, minus the body), 204 for OPTIONS and 405 for the rest. */
function addRoute(router: Router, path: string, get: Handler, otherMethods: Handler): void {
  router.route(path).get(get).all(otherMethods);
}

/** Options of the standalone server: the router's, plus where and how to listen. */
export interface StartServerOptions extends Omit<MetricsRouterOptions, 'auth'> {
  readonly source: MetricsSource;
  /**
   * Who may read the metrics (see AuthOptions), or a source read again when its files change, such as
   * `authSourceFromEnvironment()` with `METRICS_PASSWORD_FILE`.
   */
  readonly auth?: AuthOptions | AuthSource | undefined;
  /** Default DEFAULT_PORT; 0 picks a free port (read it from the result). */
  readonly port?: number | undefined;
  /** Address to listen on; default all interfaces. */
  readonly host?: string | undefined;
  /** Serve HTTPS with this certificate and key instead of HTTP. */
  readonly tls?: TlsOptions | undefined;
  /** Connection and timeout bounds; defaults in src/http/server-limits.ts. */
  readonly limits?: ServerLimits | undefined;
  /** Serves the metric streams management API (see createMetricStreamsRouter); absent, its paths are 404. */
  readonly streams?: ManagementApi | undefined;
  /**
   * Where the `streams` API's admin token is read again when its files change or on reload, such as
   * `adminTokenSourceFromEnvironment()` with `METRICS_ADMIN_TOKEN_FILE`; an unusable new token keeps the current one.
   */
  readonly streamsAdminToken?: AdminTokenSource | undefined;
  /** Reload (see RunningServer.reload) when a TLS file, a file of an AuthSource or of `streamsAdminToken` changes; default true. */
  readonly reloadOnFileChange?: boolean | undefined;
  /** How often those files are also polled, in ms; default DEFAULT_FILE_POLL_MS. */
  readonly filePollIntervalMs?: number | undefined;
}

/** A listening exporter. */
export interface RunningServer {
  /** Base URL, e.g. `https://127.0.0.1:9443` (`localhost` when listening on all interfaces). */
  readonly url: string;
  /** The address bound, as the system reports it: `0.0.0.0` or `::` when listening on all interfaces. */
  readonly address: string;
  readonly port: number;
  /**
   * Stops accepting connections, closes idle ones, lets requests in flight finish for a few seconds
   * (CLOSE_GRACE_MS) and then cuts the rest. Responses from then on carry `Connection: close`, so
   * kept-alive clients see a clean end rather than a reset. Resolves once the server has closed;
   * calling it again returns the same promise.
   */
  close(): Promise<void>;
  /**
   * Reads the TLS certificate and key files, the AuthSource's files and the streams admin token's
   * (`streamsAdminToken`) again: new connections get the new certificate (open ones keep their TLS
   * session), new requests are checked against the new credentials. A setting whose new files are unusable (no PEM, a key that does not fit, a blank
   * password file) keeps its current value. Logs one line per setting, naming `trigger` (default
   * `reload`), its files and, when refused, why. The same reload runs on file change (see
   * `reloadOnFileChange`). Resolves with each setting's outcome, none when the server reads no
   * files; never rejects.
   */
  reload(trigger?: string): Promise<readonly ReloadOutcome[]>;
}

/**
 * Starts the standalone exporter: the metrics router, 404 for any other path, a bare 500 for anything
 * unexpected, no `X-Powered-By`, and the bounds of `limits`. Installs no signal handlers.
 * @throws ServerConfigError (rejects) for bad settings (a port that is not a whole number from 0 to
 *   65535, an empty host, ...) or an unreadable TLS file; rejects with the listen error (e.g.
 *   EADDRINUSE) when the port cannot be bound.
 */
export async function startServer(options: StartServerOptions): Promise<RunningServer> {
  const listenPort = checkPort(options.port ?? DEFAULT_PORT);
  if (options.host !== undefined && (typeof options.host !== 'string' || options.host.trim() === '')) {
    throw new ServerConfigError('host', `must be a non-empty address or host name, got ${JSON.stringify(options.host)}`);
  }
  const limits = resolveLimits(options.limits);
  const pollIntervalMs = positiveInteger('filePollIntervalMs', options.filePollIntervalMs, DEFAULT_FILE_POLL_MS);
  const logger = loggerOption(options.logger);
  const authSource = isAuthSource(options.auth) ? options.auth : undefined;
  // The reloader notes what the files hold before they are first read; once the watchers are up it
  // checks them again, so a change between the first read and the watchers' start is applied too.
  const reloader = new Reloader(
    reloadablesOf(
      options,
      authSource,
      () => server as HttpsServer,
      () => handlers,
    ),
    logger,
  );
  await reloader.remember();
  const handlers = new MetricsHandlers(collectorOf(options.source), { ...options, auth: isAuthSource(options.auth) ? options.auth.read() : options.auth });
  const app = createApp(options, handlers);
  const server: HttpServer | HttpsServer =
    options.tls === undefined ? createHttpServer(serverOptions(limits), app) : createHttpsServer({ ...serverOptions(limits), ...(await loadTls(options.tls)) }, app);
  applyLimits(server, limits);
  const drain = drainOnClose(server);
  await listen(server, listenPort, options.host);
  server.on('error', (error) => logger(`am-metrics: server error: ${describeError(error)}`));
  if (options.reloadOnFileChange !== false) {
    reloader.watchFiles(pollIntervalMs);
    await reloader.reload('file change while starting', false);
  }
  const { address, port } = server.address() as AddressInfo;
  const scheme = options.tls === undefined ? 'http' : 'https';
  let closing: Promise<void> | undefined;
  return {
    url: `${scheme}://${displayHost(address)}:${port}`,
    address,
    port,
    close: () => {
      reloader.close();
      return (closing ??= closeServer(server, drain));
    },
    reload: (trigger = 'reload') => reloader.reload(trigger, true),
  };
}

function isAuthSource(auth: AuthOptions | AuthSource | undefined): auth is AuthSource {
  return typeof (auth as Partial<AuthSource> | undefined)?.read === 'function';
}

/** The settings read from files: the TLS pair when given as paths, the AuthSource's credentials, the streams admin token. */
function reloadablesOf(options: StartServerOptions, auth: AuthSource | undefined, server: () => HttpsServer, handlers: () => MetricsHandlers): Reloadable[] {
  const { tls, streams, streamsAdminToken: token } = options;
  const files = tls === undefined ? [] : tlsFiles(tls);
  return [
    ...(tls !== undefined && files.length > 0 ? [{ what: 'TLS certificate and key', files, apply: async () => server().setSecureContext(await loadTls(tls)) }] : []),
    ...(auth !== undefined && auth.files.length > 0
      ? [{ what: 'scrape credentials', files: auth.files, apply: () => Promise.resolve().then(() => handlers().setAuth(auth.read())) }]
      : []),
    ...(streams !== undefined && token !== undefined && token.files.length > 0
      ? [{ what: 'metric streams admin token', files: token.files, apply: () => Promise.resolve().then(() => streams.setAdminToken(token.read())) }]
      : []),
  ];
}

function createApp(options: StartServerOptions, handlers: MetricsHandlers): express.Express {
  const app = express();
  app.disable('x-powered-by');
  if (options.streams !== undefined) app.use(createMetricStreamsRouter(options.streams));
  app.use(routerOf(handlers, options));
  app.use((_req: Request, res: Response) => sendPlain(res, 404, 'Not Found'));
  const logger = loggerOption(options.logger);
  app.use((error: unknown, req: Request, res: Response, _next: NextFunction) => {
    const status = clientErrorStatus(error);
    if (status !== undefined && !res.headersSent) return sendPlain(res, status, STATUS_CODES[status] ?? 'Bad Request');
    logger(`am-metrics: ${req.method} ${req.path} failed: ${describeError(error)}`);
    if (res.headersSent) res.destroy();
    else sendPlain(res, 500, 'Internal Server Error');
  });
  return app;
}

/**
 * The 4xx status of a request express or its body parser refused (a path parameter whose
 * percent-encoding does not decode, a body that does not inflate), which they raise as errors with a
 * `status` (the http-errors convention); undefined for anything else. The client's fault, so it gets
 * that status and no log line, not a 500.
 */
function clientErrorStatus(error: unknown): number | undefined {
  const status = (error as { status?: unknown } | null | undefined)?.status;
  return typeof status === 'number' && status >= 400 && status < 500 ? status : undefined;
}

/** Node would take a string such as `'abc'` as a Unix socket path and -1 as "any port". */
function checkPort(port: unknown): number {
  if (typeof port !== 'number' || !Number.isInteger(port) || port < 0 || port > MAX_PORT) {
    throw new ServerConfigError('port', `must be a whole number from 0 to ${MAX_PORT}, got ${typeof port === 'string' ? JSON.stringify(port) : String(port)}`);
  }
  return port;
}

function collectorOf(source: MetricsSource): Collector {
  const collector = typeof source === 'object' && source !== null && 'registry' in source ? source.registry : source;
  if (typeof (collector as Partial<Collector> | null | undefined)?.collect !== 'function') {
    throw new ServerConfigError('source', `must be a registry or hold one (an object with collect()), got ${source === null ? 'null' : typeof source}`);
  }
  return collector;
}

function listen(server: HttpServer | HttpsServer, port: number, host: string | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

function displayHost(address: string): string {
  if (address === '0.0.0.0' || address === '::') return 'localhost';
  return address.includes(':') ? `[${address}]` : address;
}

/**
 * Marks the server as closing for its responses: from then on every response, in flight or new on a
 * kept-alive socket, carries `Connection: close`, so Node ends the socket after it and the client
 * reconnects elsewhere instead of meeting a reset at the grace cut. Returns the function that starts it.
 */
function drainOnClose(server: HttpServer | HttpsServer): () => void {
  const inFlight = new Set<ServerResponse>();
  let isClosing = false;
  const closeAfter = (res: ServerResponse): void => {
    if (!res.headersSent) res.setHeader('Connection', 'close');
    res.once('finish', () => server.closeIdleConnections());
  };
  // Prepended, so it runs before the app may answer synchronously.
  server.prependListener('request', (_req, res: ServerResponse) => {
    if (isClosing) return closeAfter(res);
    inFlight.add(res);
    res.once('close', () => inFlight.delete(res));
  });
  return () => {
    isClosing = true;
    for (const res of inFlight) closeAfter(res);
  };
}

function closeServer(server: HttpServer | HttpsServer, drain: () => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const cut = setTimeout(() => server.closeAllConnections(), CLOSE_GRACE_MS);
    cut.unref();
    drain();
    server.close((error) => {
      clearTimeout(cut);
      if (error === undefined) resolve();
      else reject(error);
    });
    server.closeIdleConnections();
  });
}

/**
 * Host callbacks and settings of `apiRequestMiddleware`; each callback reads the finished request. There
 * `req.path` and `req.url` may be relative to the router that answered (`/1` for `/api/v2/users/1`
 * answered by a router mounted at `/api/v2/users`): tell requests apart by `req.originalUrl`.
 */
export interface ApiRequestMiddlewareOptions {
  /** The API these routes belong to, or a function telling it per request (from `req.originalUrl`, not `req.path`). */
  readonly api: ApiKind | ((req: Request) => ApiKind);
  /** The tenant the request was routed to. */
  readonly tenant: (req: Request) => string;
  readonly countryCode?: (req: Request) => string | undefined;
  /** Authentication API only, like the next two. */
  readonly clientId?: (req: Request) => string | undefined;
  readonly connectionId?: (req: Request) => string | undefined;
  readonly grantType?: (req: Request) => string | undefined;
  /** Overrides the failure code `classifyStatus` derives, e.g. ANOMALY_DETECTION for a blocked login. */
  readonly failureCode?: (req: Request, res: Response) => FailureCode | undefined;
  /** Receives recorder errors (a callback's bad value); the response is never affected. */
  readonly logger?: Logger;
}

/**
 * Express middleware counting each finished request as Auth0's `auth0.api_request.count` (see
 * apiRequestMetrics). Mount it before the host's routes. The operation name is the method and the
 * matched route template: the paths the routers it passed were mounted at, then the route's path
 * (`GET /tenants/:tenant/api/users/:id` for `app.use('/tenants/:tenant/api', router)`), so ids in
 * mount and route paths do not add series (see noteRouteTemplate); a route given several paths or a
 * RegExp is named after its definition (`POST /oauth/token,/token`). Where the mount template cannot
 * be known (express's router before 2.3, sub-apps, routers entered before this middleware ran), the
 * mount path is taken as the request spelt it (`req.baseUrl`): one name per spelling. Requests no route matched and
 * requests whose client went away before the answer are not counted. Status codes map as
 * `classifyStatus` says.
 * @throws ServerConfigError naming the option when `recorder` has no `record()`, `api` is neither an
 *   API kind nor a function, `tenant` is not a function, or another callback is given but not a function.
 */
export function apiRequestMiddleware(recorder: ApiRequestMetrics, options: ApiRequestMiddlewareOptions) {
  checkMiddlewareOptions(recorder, options);
  const logger = loggerOption(options.logger);
  return (req: Request, res: Response, next: NextFunction): void => {
    const matchedTemplate = noteRouteTemplate(req);
    res.once('finish', () => {
      const template = matchedTemplate();
      if (template === undefined) return;
      try {
        recorder.record(apiRequestOf(req, res, template, options));
      } catch (error) {
        logger(`am-metrics: ${req.method} ${template}: api request not counted: ${describeError(error)}`);
      }
    });
    next();
  };
}

/** Optional callbacks of ApiRequestMiddlewareOptions. */
const OPTIONAL_CALLBACKS = ['countryCode', 'clientId', 'connectionId', 'grantType', 'failureCode'] as const;

/**
 * Refuses at mount time what would otherwise fail, and be logged, at every request: a JavaScript caller
 * passing `api: 'management'` or forgetting `tenant` would count nothing.
 */
function checkMiddlewareOptions(recorder: unknown, options: unknown): void {
  if (typeof (recorder as Partial<ApiRequestMetrics> | null | undefined)?.record !== 'function') {
    throw new ServerConfigError('recorder', `must be the recorder apiRequestMetrics(registry) returns, got ${shown(recorder)}`);
  }
  const given = (typeof options === 'object' && options !== null ? options : {}) as Record<string, unknown>;
  if (typeof given.api !== 'function' && !(API_KINDS as readonly unknown[]).includes(given.api)) {
    throw new ServerConfigError('api', `must be ${API_KINDS.join(' or ')}, or a function of the request returning one, got ${shown(given.api)}`);
  }
  if (typeof given.tenant !== 'function') throw new ServerConfigError('tenant', `must be a function of the request, got ${shown(given.tenant)}`);
  for (const name of OPTIONAL_CALLBACKS) {
    if (given[name] !== undefined && typeof given[name] !== 'function') throw new ServerConfigError(name, `must be a function when given, got ${shown(given[name])}`);
  }
}

function shown(value: unknown): string {
  return typeof value === 'string' ? JSON.stringify(value) : value === null || typeof value !== 'object' ? String(value) : 'an object';
}

function apiRequestOf(req: Request, res: Response, template: string, options: ApiRequestMiddlewareOptions): ApiRequest {
  const api = typeof options.api === 'function' ? options.api(req) : options.api;
  const { operationResult, failureCode } = classifyStatus(res.statusCode);
  return {
    api,
    operationName: `${req.method} ${template === '' ? '/' : template}`,
    operationResult,
    tenant: options.tenant(req),
    failureCode: operationResult === 'FAILURE' ? (options.failureCode?.(req, res) ?? failureCode) : undefined,
    countryCode: options.countryCode?.(req),
    ...(api === 'AUTHENTICATION' ? { clientId: options.clientId?.(req), connectionId: options.connectionId?.(req), grantType: options.grantType?.(req) } : {}),
  };
}

/** Largest management API body accepted; a stream definition is a few hundred bytes. */
const MAX_STREAMS_BODY = '64kb';

/**
 * An express router serving the metric streams management API (`/api/v2/metric-streams` and
 * `/api/v2/metric-streams/{id}`, see ManagementApi) with its own Bearer admin token, apart from
 * the scrape credentials. Bodies are JSON up to MAX_STREAMS_BODY; a malformed or oversized body gets
 * Auth0's error body too.
 */
export function createMetricStreamsRouter(api: ManagementApi): Router {
  const router = express.Router({ caseSensitive: true, strict: true });
  const handle: Handler = (req, res) => {
    const answer = api.handle({
      method: req.method,
      id: typeof req.params.id === 'string' ? req.params.id : undefined,
      query: req.query,
      body: req.body,
      authorization: req.get('authorization'),
      client: req.socket.remoteAddress,
    });
    if (answer.body === undefined) {
      res
        .status(answer.status)
        .set(answer.headers ?? {})
        .end();
      return;
    }
    sendJson(res, answer.status, answer.body, answer.headers ?? {});
  };
  // Any content type is read as JSON (curl --data sends a form type): the Bearer token, not the
  // content type, is what keeps browsers' cross-site form posts out.
  const parse = express.json({ limit: MAX_STREAMS_BODY, strict: true, type: () => true });
  router.all(METRIC_STREAMS_PATH, parse, handle);
  router.all(`${METRIC_STREAMS_PATH}/:id`, parse, handle);
  router.use((error: unknown, _req: Request, res: Response, next: NextFunction) => {
    const problem = refusedRequest(error);
    if (problem === undefined) return next(error);
    sendJson(res, problem.statusCode, problem.body());
  });
  return router;
}

/**
 * Auth0's error for a request refused before the API saw it: an id whose percent-encoding does not
 * decode, or a body too large, in an unsupported encoding or charset, that does not inflate or is
 * not JSON. Undefined for a server fault, which the app's error handler answers.
 */
function refusedRequest(error: unknown): StreamApiError | undefined {
  const status = clientErrorStatus(error);
  if (status === undefined) return undefined;
  if (error instanceof URIError) return new StreamApiError(400, "Path validation error: 'Malformed percent-encoding' on property id.", 'invalid_uri');
  if (status === 413) return new StreamApiError(413, `Payload exceeds ${MAX_STREAMS_BODY}.`, 'payload_too_large');
  if (status === 415) return new StreamApiError(415, 'Unsupported content encoding or charset.', 'unsupported_media_type');
  return new StreamApiError(400, 'Invalid request payload JSON format.', 'invalid_body');
}

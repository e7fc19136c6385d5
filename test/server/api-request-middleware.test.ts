import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { describe, expect, it, onTestFinished, vi } from 'vitest';
import { Registry, type CountSum } from '../../src/index.js';
import { apiRequestMetrics } from '../../src/metrics/api-request.js';
import { apiRequestMiddleware, type ApiRequestMiddlewareOptions } from '../../src/server.js';
import { ServerConfigError } from '../../src/http/errors.js';

/** A host app with the middleware; `first`, when given, is mounted before it, counting into `second`. */
async function hostApp(logged: string[] = [], first?: typeof apiRequestMiddleware) {
  const registry = new Registry();
  const second = new Registry();
  const app = express();
  if (first !== undefined) app.use(first(apiRequestMetrics(second), { api: 'MANAGEMENT', tenant: () => 'acme' }));
  app.use(
    apiRequestMiddleware(apiRequestMetrics(registry), {
      // As the README says: req.path is relative to the router that answered ('/u1' under /api/v2/users).
      api: (req) => (req.originalUrl.startsWith('/api/v2/') ? 'MANAGEMENT' : 'AUTHENTICATION'),
      tenant: () => 'acme',
      clientId: (req) => req.get('x-client') ?? undefined,
      countryCode: (req) => req.get('x-country') ?? undefined,
      failureCode: (_req, res) => (res.statusCode === 403 ? 'ANOMALY_DETECTION' : undefined),
      logger: (line) => logged.push(line),
    }),
  );
  const users = express.Router();
  users.get('/:id', (req, res) => {
    if (req.params.id === 'broken') throw new Error('the user store is down');
    res.status(req.params.id === 'slow' ? 429 : 200).send('ok');
  });
  app.use('/api/v2/users', users);
  // Mounted at paths with parameters, one router inside another.
  const tenantApi = express.Router();
  tenantApi.get('/users/:id', (req, res) => {
    if (req.params.id === 'broken') throw new Error('the user store is down');
    res.send('ok');
  });
  const projects = express.Router();
  projects.get('/:project', (_req, res) => void res.send('ok'));
  tenantApi.use('/orgs/:org/projects', projects);
  app.use('/tenants/:tenant/api', tenantApi);
  app.post('/oauth/token', (req, res) => void res.status(req.get('x-status') === undefined ? 200 : Number(req.get('x-status'))).send('ok'));
  app.get(['/authorize', '/oauth/authorize'], (_req, res) => void res.send('ok'));
  app.get(/^\/userinfo\/?$/, (_req, res) => void res.send('ok'));
  app.use((_error: unknown, _req: express.Request, res: express.Response, _next: express.NextFunction) => void res.status(500).send('failed'));
  const server = app.listen(0, '127.0.0.1');
  await once(server, 'listening');
  onTestFinished(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { registry, base, second };
}

async function series(registry: Registry): Promise<CountSum[]> {
  const family = (await registry.collect()).families.find((f) => f.descriptor.name === 'auth0_api_request');
  return (family?.series ?? []) as CountSum[];
}

describe('apiRequestMiddleware', () => {
  it('names operations by route template, never by the raw URL', async () => {
    const { registry, base } = await hostApp();
    for (const id of ['u1', 'u2', 'slow']) await fetch(`${base}/api/v2/users/${id}`);
    const found = await series(registry);
    expect(found.map((s) => [s.labels.api, s.labels.operation_name, s.labels.operation_result, s.labels.failure_code, s.count])).toEqual([
      ['MANAGEMENT', 'GET /api/v2/users/:id', 'SUCCESS', '', 2],
      ['MANAGEMENT', 'GET /api/v2/users/:id', 'FAILURE', 'RATE_LIMIT', 1],
    ]);
    expect(found[0]?.labels.client_id).toBe('');
  });

  it("names an error answered by the app's error handler after the mounted router's route, mount path included", async () => {
    const { registry, base } = await hostApp();
    expect((await fetch(`${base}/api/v2/users/broken`)).status).toBe(500);
    const found = await series(registry);
    expect(found.map((s) => [s.labels.operation_name, s.labels.operation_result, s.labels.failure_code])).toEqual([
      ['GET /api/v2/users/:id', 'FAILURE', 'CLIENT_SERVER_ERROR'],
    ]);
  });

  // Each tenant's requests had an operation name of their own (`GET /tenants/acme/api/users/:id`).
  it('names a route under mount paths with parameters by their templates, one name for every tenant', async () => {
    const { registry, base } = await hostApp();
    const paths = [
      '/tenants/acme/api/users/u1',
      '/tenants/globex/api/users/u2',
      '/TENANTS/Acme/api/users/u3',
      '/tenants/acme/api/orgs/o1/projects/p1',
      '/tenants/initech/api/orgs/o2/projects/p2',
    ];
    for (const path of paths) expect((await fetch(`${base}${path}`)).status).toBe(200);
    expect((await series(registry)).map((s) => [s.labels.operation_name, s.count])).toEqual([
      ['GET /tenants/:tenant/api/users/:id', 3],
      ['GET /tenants/:tenant/api/orgs/:org/projects/:project', 2],
    ]);
  });

  it("names an error thrown under a mount path with parameters, answered by the app's error handler, by the templates", async () => {
    const { registry, base } = await hostApp();
    expect((await fetch(`${base}/tenants/acme/api/users/broken`)).status).toBe(500);
    expect((await series(registry)).map((s) => [s.labels.operation_name, s.labels.operation_result])).toEqual([['GET /tenants/:tenant/api/users/:id', 'FAILURE']]);
  });

  it('counts a route given several paths, or a RegExp, under its definition', async () => {
    const { registry, base } = await hostApp();
    for (const path of ['/authorize', '/oauth/authorize', '/userinfo', '/userinfo/']) expect((await fetch(`${base}${path}`)).status).toBe(200);
    expect((await series(registry)).map((s) => [s.labels.operation_name, s.count])).toEqual([
      ['GET /authorize,/oauth/authorize', 2],
      ['GET /^\\/userinfo\\/?$/', 2],
    ]);
  });

  it('counts in each of two middlewares on the same app', async () => {
    const { registry, base, second } = await hostApp([], apiRequestMiddleware);
    await fetch(`${base}/api/v2/users/broken`);
    for (const counted of [registry, second]) expect((await series(counted)).map((s) => [s.labels.operation_name, s.count])).toEqual([['GET /api/v2/users/:id', 1]]);
  });

  it('counts in each of two middlewares from two copies of the package on the same app', async () => {
    vi.resetModules();
    const copy = (await import('../../src/server.js')).apiRequestMiddleware;
    expect(copy).not.toBe(apiRequestMiddleware);
    const { registry, base, second } = await hostApp([], copy);
    await fetch(`${base}/api/v2/users/broken`);
    for (const counted of [registry, second]) expect((await series(counted)).map((s) => [s.labels.operation_name, s.count])).toEqual([['GET /api/v2/users/:id', 1]]);
  });

  it('maps status codes and host callbacks to tags, Authentication-only tags on that API only', async () => {
    const { registry, base } = await hostApp();
    await fetch(`${base}/oauth/token`, { method: 'POST', headers: { 'x-client': 'c1', 'x-country': 'DE' } });
    await fetch(`${base}/oauth/token`, { method: 'POST', headers: { 'x-status': '403' } });
    await fetch(`${base}/oauth/token`, { method: 'POST', headers: { 'x-status': '500' } });
    const labels = (await series(registry)).map((s) => [s.labels.operation_result, s.labels.failure_code, s.labels.client_id, s.labels.country_code]);
    expect(labels).toEqual([
      ['SUCCESS', '', 'c1', 'DE'],
      ['FAILURE', 'ANOMALY_DETECTION', '', ''],
      ['FAILURE', 'CLIENT_SERVER_ERROR', '', ''],
    ]);
  });

  it('does not count unmatched paths, and logs a bad callback value without touching the response', async () => {
    const logged: string[] = [];
    const { registry, base } = await hostApp(logged);
    expect((await fetch(`${base}/nowhere/123`)).status).toBe(404);
    const response = await fetch(`${base}/oauth/token`, { method: 'POST', headers: { 'x-country': 'germany' } });
    expect(response.status).toBe(200);
    await new Promise((resolve) => setImmediate(resolve));
    expect(await series(registry)).toHaveLength(0);
    expect(logged.join('\n')).toMatch(/POST \/oauth\/token: api request not counted: InvalidLabelError: .*country_code/);
  });

  it.each<[string, Record<string, unknown>, RegExp]>([
    [
      'an api that is not an API kind',
      { api: 'management', tenant: () => 'acme' },
      /^api: must be AUTHENTICATION or MANAGEMENT, or a function of the request returning one, got "management"$/,
    ],
    ['no tenant', { api: 'MANAGEMENT' }, /^tenant: must be a function of the request, got undefined$/],
    ['a tenant given as a string', { api: 'MANAGEMENT', tenant: 'acme' }, /^tenant: must be a function of the request, got "acme"$/],
    ['a clientId that is not a function', { api: 'AUTHENTICATION', tenant: () => 'acme', clientId: 'c1' }, /^clientId: must be a function when given, got "c1"$/],
    ['a logger that is not a function', { api: 'AUTHENTICATION', tenant: () => 'acme', logger: console }, /^logger: must be a function taking one line, got an object$/],
  ])('refuses, when mounted, %s (which would count nothing and log at every request)', (_case, options, message) => {
    const recorder = apiRequestMetrics(new Registry());
    const mount = () => apiRequestMiddleware(recorder, options as unknown as ApiRequestMiddlewareOptions);
    expect(mount).toThrow(ServerConfigError);
    expect(mount).toThrow(message);
  });

  it('refuses, when mounted, a recorder without record()', () => {
    expect(() => apiRequestMiddleware(new Registry() as never, { api: 'MANAGEMENT', tenant: () => 'acme' })).toThrow(
      /^recorder: must be the recorder apiRequestMetrics\(registry\) returns, got an object$/,
    );
  });
});

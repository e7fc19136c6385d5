import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import { gunzipSync } from 'node:zlib';
import express from 'express';
import { describe, expect, it, onTestFinished } from 'vitest';
import type { AuthOptions } from '../../src/http/auth.js';
import { createAmMetrics, type AmMetrics } from '../../src/index.js';
import { MONITORING_PAGE_CSP } from '../../src/http/page/monitoring-page.js';
import { createMetricsRouter } from '../../src/server.js';
import { amLivePage } from '../../src/metrics/page/live-page.js';
import { ManualClock } from '../support/manual-clock.js';
import { basic, rawRequest, sampleRegistry, serve } from './helpers.js';

const BASIC: AuthOptions = { basic: { username: 'viewer', password: 'pa55-long-enough-now' } };
const GOOD_BASIC = basic('viewer', 'pa55-long-enough-now');
const requireFromTest = createRequire(import.meta.url);

/** Every file under monitoring/assets/ and its content type. */
const ASSETS = [
  ['page.js', 'text/javascript; charset=utf-8'],
  ['page.css', 'text/css; charset=utf-8'],
  ['icon.svg', 'image/svg+xml; charset=utf-8'],
  ['uPlot.iife.min.js', 'text/javascript; charset=utf-8'],
  ['uPlot.min.css', 'text/css; charset=utf-8'],
] as const;

/** The page, its data and every asset: what access control must cover. */
const PAGE_PATHS = ['/monitoring', '/monitoring/data', ...ASSETS.map(([name]) => `/monitoring/assets/${name}`)];

function amWithTraffic(): AmMetrics {
  const clock = new ManualClock();
  const am = createAmMetrics({ podName: 'am-0', now: () => clock.now() });
  am.authentication.login('success', 'id=alice');
  am.authentication.login('failure');
  am.cts.task({ operation: 'read', tokenType: 'session' }, 0.004, 'success');
  clock.advance({ seconds: 5 });
  return am;
}

/** The `src` and `href` attributes of the page's HTML. */
function linksOf(html: string): string[] {
  return [...html.matchAll(/\s(?:src|href)="([^"]*)"/g)].map((m) => m[1] ?? '');
}

describe('monitoring page', () => {
  it('serves HTML under a strict Content-Security-Policy, never cached', async () => {
    const server = await serve({ page: amLivePage, source: sampleRegistry() });
    const res = await rawRequest(`${server.url}/monitoring`);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(res.headers['content-security-policy']).toBe(MONITORING_PAGE_CSP);
    expect(MONITORING_PAGE_CSP).toMatch(/^default-src 'self'; script-src 'self'; style-src 'self';/);
    expect(MONITORING_PAGE_CSP).not.toContain('unsafe');
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.headers['x-frame-options']).toBe('DENY');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
  });

  it('has no inline script or style and only relative links, so it works under any mount point', async () => {
    const server = await serve({ page: amLivePage, source: sampleRegistry() });
    const html = (await rawRequest(`${server.url}/monitoring`)).body.toString();
    expect(html.match(/<script\b[^>]*>/g)).toEqual(['<script src="monitoring/assets/uPlot.iife.min.js" defer>', '<script src="monitoring/assets/page.js" defer>']);
    expect(html).not.toMatch(/<style|\sstyle=|\son[a-z]+=/i);
    for (const link of linksOf(html)) expect(link).toMatch(/^(monitoring|json)\//);
  });

  it.each(ASSETS)('serves assets/%s as %s, revalidated by ETag', async (name, contentType) => {
    const server = await serve({ page: amLivePage, source: sampleRegistry() });
    const res = await rawRequest(`${server.url}/monitoring/assets/${name}`);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe(contentType);
    expect(res.headers['cache-control']).toBe('private, no-cache');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    const etag = String(res.headers.etag);
    expect(etag).toMatch(/^"[\w-]+"$/);
    const again = await rawRequest(`${server.url}/monitoring/assets/${name}`, { headers: { 'if-none-match': `"other", W/${etag}` } });
    expect(again.status).toBe(304);
    expect(again.body.length).toBe(0);
    expect(again.headers.etag).toBe(etag);
  });

  it("serves uPlot's own distribution files, gzipped when allowed", async () => {
    const server = await serve({ page: amLivePage, source: sampleRegistry() });
    for (const name of ['uPlot.iife.min.js', 'uPlot.min.css']) {
      const expected = readFileSync(requireFromTest.resolve(`uplot/dist/${name}`));
      expect((await rawRequest(`${server.url}/monitoring/assets/${name}`)).body.equals(expected)).toBe(true);
      const zipped = await rawRequest(`${server.url}/monitoring/assets/${name}`, { headers: { 'accept-encoding': 'gzip' } });
      expect(zipped.headers['content-encoding']).toBe('gzip');
      expect(gunzipSync(zipped.body).equals(expected)).toBe(true);
    }
  });

  it('answers HEAD like GET, without a body', async () => {
    const server = await serve({ page: amLivePage, source: sampleRegistry() });
    for (const path of PAGE_PATHS) {
      const res = await rawRequest(server.url + path, { method: 'HEAD' });
      expect(res.status, path).toBe(200);
      expect(res.body.length, path).toBe(0);
    }
  });

  it('answers other methods with 405', async () => {
    const server = await serve({ page: amLivePage, source: sampleRegistry() });
    for (const path of PAGE_PATHS) {
      const res = await rawRequest(server.url + path, { method: 'POST' });
      expect(res.status, path).toBe(405);
      expect(res.headers.allow, path).toBe('GET, HEAD, OPTIONS');
    }
  });

  it.each(['/monitoring/', '/Monitoring', '/monitoring/assets/nope.js', '/monitoring/assets/toString', '/monitoring/assets/', '/monitoring/data/'])(
    '%s is 404',
    async (path) => {
      const server = await serve({ page: amLivePage, source: sampleRegistry() });
      expect((await rawRequest(server.url + path)).status).toBe(404);
      expect((await rawRequest(server.url + path, { method: 'POST' })).status).toBe(404);
    },
  );

  it('serves the rates and latencies of each family as JSON', async () => {
    const server = await serve({ page: amLivePage, source: amWithTraffic() });
    const res = await rawRequest(`${server.url}/monitoring/data`);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(res.headers['cache-control']).toBe('no-store');
    const { families } = JSON.parse(res.body.toString());
    expect(families).toHaveLength(6);
    expect(families[0]).toMatchObject({
      family: 'authentication',
      rates: {
        metric: 'am_authentication',
        unit: 'logins/s',
        groups: [
          { value: 'success', perSecond: 0.2 },
          { value: 'failure', perSecond: 0.2 },
          { value: 'timeout', perSecond: 0 },
        ],
      },
      latency: null,
    });
    expect(families[3]).toMatchObject({ family: 'cts', latency: { metric: 'am_cts_task', labels: { operation: 'read', token_type: 'session' } } });
  });
});

describe('monitoring page access control', () => {
  it('needs credentials for the page, its data and every asset when auth is configured', async () => {
    const server = await serve({ page: amLivePage, source: sampleRegistry(), auth: BASIC });
    for (const path of PAGE_PATHS) {
      const anonymous = await rawRequest(server.url + path);
      expect(anonymous.status, path).toBe(401);
      expect(anonymous.headers['www-authenticate'], path).toMatch(/^Basic realm=/);
      expect((await rawRequest(server.url + path, { headers: { authorization: GOOD_BASIC } })).status, path).toBe(200);
    }
  });

  it.each([
    '/Monitoring',
    '/monitoring/',
    '//monitoring',
    '/MONITORING/DATA',
    '/monitoring/%64ata',
    '/monitoring/assets/nope.js',
    '/Monitoring/Assets/page.js',
    '/monitoring/assets/x/../page.js/',
  ])('%s needs credentials too, then is 404', async (path) => {
    const server = await serve({ page: amLivePage, source: sampleRegistry(), auth: BASIC });
    expect((await rawRequest(server.url + path)).status).toBe(401);
    expect((await rawRequest(server.url + path, { headers: { authorization: GOOD_BASIC } })).status).toBe(404);
  });
});

describe('monitoring page under a host app', () => {
  it('resolves every link of the page under the mount point', async () => {
    const app = express();
    app.use('/am', createMetricsRouter(amWithTraffic(), { page: amLivePage, auth: BASIC }));
    const host = createServer(app);
    await new Promise<void>((resolve) => host.listen(0, '127.0.0.1', resolve));
    onTestFinished(() => new Promise<void>((resolve) => host.close(() => resolve())));
    const pageUrl = `http://127.0.0.1:${(host.address() as AddressInfo).port}/am/monitoring`;
    const headers = { authorization: GOOD_BASIC };
    const page = await rawRequest(pageUrl, { headers });
    expect(page.status).toBe(200);
    const links = [...linksOf(page.body.toString()), 'monitoring/data'];
    for (const link of links) {
      const url = new URL(link, pageUrl);
      expect(url.pathname).toMatch(/^\/am\//);
      expect((await rawRequest(url.href, { headers })).status, url.pathname).toBe(200);
    }
  });
});

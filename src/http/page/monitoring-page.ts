// Serves a live page on Node's own request and response objects: the HTML shell, its script, styles
// and icon (a LivePage: what they show is the page's business, e.g. src/metrics/page/), and uPlot's
// files read from node_modules. The JSON the page polls is the handlers' (MetricsHandlers.pageData),
// sharing their collection and in-flight limit.
// Access control comes from the caller's `admit`; which path reaches which method is server.ts's job.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import { sendBody } from '../responses.js';
import { RenderedScrape, sendRendered } from '../shared-scrape.js';
import { Body } from '../body.js';
import type { Collection } from '../../registry/collection.js';

/** A page the router serves at `/monitoring`: static files, and the JSON view it polls. */
export interface LivePage {
  readonly html: string;
  /** Served as `monitoring/assets/page.js`; the page's CSP allows no inline script. */
  readonly script: string;
  /** Served as `monitoring/assets/page.css`. */
  readonly css: string;
  /** Served as `monitoring/assets/icon.svg`. */
  readonly icon: string;
  /** The body of `monitoring/data`, computed from the collection scrapes share. */
  view(collection: Collection): unknown;
}

/**
 * The page's policy: everything from the exporter itself, no inline script or style, no framing.
 * uPlot styles its elements through the CSSOM (`element.style`), which `style-src` does not restrict.
 */
export const MONITORING_PAGE_CSP =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; " +
  "object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/** Assets are revalidated on every use (a 304 when unchanged), so an upgrade shows at once. */
const ASSET_CACHE_CONTROL = 'private, no-cache';

/** uPlot's distribution files, served under their own names. */
const UPLOT_FILES = { 'uPlot.iife.min.js': 'text/javascript; charset=utf-8', 'uPlot.min.css': 'text/css; charset=utf-8' } as const;

export interface MonitoringPageOptions {
  /** Access control, as for the metrics paths: true lets the request on, false means an answer was sent. */
  readonly admit: (req: IncomingMessage, res: ServerResponse) => boolean;
  readonly content: LivePage;
}

interface Asset {
  readonly content: RenderedScrape;
  readonly contentType: string;
  readonly etag: string;
}

/** The monitoring page's endpoints, independent of the web framework. */
export class MonitoringPage {
  private readonly assets = new Map<string, Promise<Asset>>();

  constructor(private readonly options: MonitoringPageOptions) {
    const { script, css, icon } = options.content;
    const own: [string, string, string][] = [
      ['page.js', script, 'text/javascript; charset=utf-8'],
      ['page.css', css, 'text/css; charset=utf-8'],
      ['icon.svg', icon, 'image/svg+xml; charset=utf-8'],
    ];
    for (const [name, text, contentType] of own) this.assets.set(name, Promise.resolve(asset(Buffer.from(text, 'utf8'), contentType)));
  }

  /** The page: HTML under MONITORING_PAGE_CSP, never cached. */
  page(req: IncomingMessage, res: ServerResponse): void {
    if (!this.options.admit(req, res)) return;
    sendBody(res, 200, Buffer.from(this.options.content.html, 'utf8'), {
      'Content-Type': 'text/html; charset=utf-8',
      'Content-Security-Policy': MONITORING_PAGE_CSP,
      'X-Frame-Options': 'DENY',
      'Referrer-Policy': 'no-referrer',
    });
  }

  /** Whether `name` is a file under `monitoring/assets/`. */
  hasAsset(name: string): boolean {
    return this.assets.has(name) || Object.hasOwn(UPLOT_FILES, name);
  }

  /**
   * One file under `monitoring/assets/`, gzipped when the client allows, with an ETag answered by 304.
   * uPlot's files are read from its package on first use and kept in memory.
   * @throws (rejects) when uPlot's files cannot be read; the caller's error handler answers 500.
   */
  async asset(name: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (!this.options.admit(req, res)) return;
    const file = await this.load(name);
    const headers = { 'Content-Type': file.contentType, 'Cache-Control': ASSET_CACHE_CONTROL, ETag: file.etag, Vary: 'Accept-Encoding' };
    if (matchesEtag(req.headers['if-none-match'], file.etag)) return sendNotModified(res, headers);
    await sendRendered(req, res, file.content, headers);
  }

  private load(name: string): Promise<Asset> {
    let loading = this.assets.get(name);
    if (loading === undefined) {
      const contentType = UPLOT_FILES[name as keyof typeof UPLOT_FILES];
      const path = createRequire(import.meta.url).resolve(`uplot/dist/${name}`);
      loading = readFile(path).then((body) => asset(body, contentType));
      // A failed read is retried by the next request rather than remembered.
      loading.catch(() => this.assets.delete(name));
      this.assets.set(name, loading);
    }
    return loading;
  }
}

function asset(body: Buffer, contentType: string): Asset {
  const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`;
  return { content: new RenderedScrape(Body.of(body)), contentType, etag };
}

/** `If-None-Match` per RFC 9110 §13.1.2: `*` or a list of tags compared weakly. */
function matchesEtag(header: string | undefined, etag: string): boolean {
  if (header === undefined) return false;
  return header.split(',').some((tag) => {
    const candidate = tag.trim().replace(/^W\//, '');
    return candidate === '*' || candidate === etag;
  });
}

function sendNotModified(res: ServerResponse, headers: Readonly<Record<string, string>>): void {
  if (res.headersSent || res.destroyed) return;
  res.statusCode = 304;
  for (const [name, value] of Object.entries(headers)) {
    if (name !== 'Content-Type') res.setHeader(name, value);
  }
  res.end();
}

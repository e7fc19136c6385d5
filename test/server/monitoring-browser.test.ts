// The monitoring page in a real headless Chromium (Debian's `chromium`, driven by playwright-core; no
// browser download). Traffic comes from the simulator on a manual clock that a timer moves 5 s every
// TRAFFIC_TICK_MS, so the 1-minute rates fill in within a second of real time.
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import express from 'express';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, describe, expect, it, onTestFinished } from 'vitest';
import { createAmMetrics, type AmMetrics } from '../../src/index.js';
import { createMetricsRouter } from '../../src/server.js';
import { amLivePage } from '../../src/metrics/page/live-page.js';
import { createSimulator } from '../../src/simulator/simulator.js';
import { ManualClock } from '../support/manual-clock.js';
import { serve } from './helpers.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
const SCREENSHOT = join('test-results', 'monitoring-page.png');
const FAMILIES = ['authentication', 'authorization', 'denylist', 'cts', 'oauth2', 'session'];
/** Page refresh in the tests, via `?refresh=`; the page's default is a few seconds. */
const REFRESH_MS = 300;
const TRAFFIC_TICK_MS = 100;
const TRAFFIC_STEP_SECONDS = 5;
/** Bounds on the browser's work; a healthy run needs a fraction of each. */
const LAUNCH_TIMEOUT_MS = 30_000;
const CHARTS_TIMEOUT_MS = 15_000;
/** How long the page waits for a poll's answer (its REQUEST_TIMEOUT_MS), plus slack for a busy machine. */
const STALL_TIMEOUT_MS = 10_000 + 5_000;

/**
 * A function run in the page on an element (source text: the tests' types know no DOM): the left
 * edges at which its last `}` and its last `.` are drawn, whatever elements hold them.
 */
const LAST_BRACE_AND_STOP = `(element) => {
  const texts = [];
  const walker = document.createTreeWalker(element, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node !== null; node = walker.nextNode()) texts.push(node);
  const leftOf = (char) => {
    const text = texts.findLast((t) => t.data.includes(char));
    const range = document.createRange();
    range.setStart(text, text.data.lastIndexOf(char));
    range.setEnd(text, text.data.lastIndexOf(char) + 1);
    return range.getBoundingClientRect().left;
  };
  return [leftOf('}'), leftOf('.')];
}`;

let launched: Promise<BrowserContext> | undefined;
let userDataDir: string | undefined;

/** An AM whose traffic and clock move every TRAFFIC_TICK_MS of real time, until the test ends. */
function liveAm(): AmMetrics {
  const clock = new ManualClock();
  const am = createAmMetrics({ podName: 'am-0', now: () => clock.now() });
  const simulator = createSimulator(am, { rate: 20, seed: 7 });
  simulator.step(0);
  const traffic = setInterval(() => {
    clock.advance({ seconds: TRAFFIC_STEP_SECONDS });
    simulator.step(TRAFFIC_STEP_SECONDS);
  }, TRAFFIC_TICK_MS);
  onTestFinished(() => clearInterval(traffic));
  return am;
}

/** A new tab that records console errors, uncaught exceptions and failed requests into `problems`. */
async function watchedPage(problems: string[]): Promise<Page> {
  const page = await (await browser()).newPage();
  onTestFinished(() => page.close());
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(`console: ${message.text()}`);
  });
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('requestfailed', (request) => problems.push(`request failed: ${request.url()} ${request.failure()?.errorText ?? ''}`));
  page.on('response', (response) => {
    if (response.status() >= 400) problems.push(`HTTP ${response.status()}: ${response.url()}`);
  });
  return page;
}

/** Waits until every family's chart exists and has drawn at least `points` points. */
async function waitForCharts(page: Page, points: number): Promise<void> {
  for (const family of FAMILIES) {
    const section = page.locator(`section[data-family="${family}"]`);
    await section.locator('.uplot canvas').waitFor({ timeout: CHARTS_TIMEOUT_MS });
    await expect
      .poll(async () => Number(await section.getAttribute('data-drawn-points')), { timeout: CHARTS_TIMEOUT_MS, interval: 100, message: family })
      .toBeGreaterThanOrEqual(points);
  }
}

/**
 * The browser, launched by the first test that needs it; every test fails, none is skipped, when
 * Chromium is missing.
 */
function browser(): Promise<BrowserContext> {
  launched ??= launch();
  return launched;
}

async function launch(): Promise<BrowserContext> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`Chromium not found at ${CHROMIUM}: install Debian's chromium package (apt-get install chromium) or set CHROMIUM_PATH`);
  }
  userDataDir = await mkdtemp(join(tmpdir(), 'am-metrics-chromium-'));
  return chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
    timeout: LAUNCH_TIMEOUT_MS,
    viewport: { width: 1280, height: 900 },
    httpCredentials: { username: 'viewer', password: 'pa55-long-enough-now' },
  });
}

afterAll(async () => {
  await launched?.then(
    (context) => context.close(),
    () => {},
  );
  if (userDataDir !== undefined) await rm(userDataDir, { recursive: true, force: true });
});

describe('monitoring page in Chromium', () => {
  it('draws live charts and numbers for every family without console errors, and is screenshotted', async () => {
    const server = await serve({ page: amLivePage, source: liveAm() });
    const problems: string[] = [];
    const page = await watchedPage(problems);
    await page.goto(`${server.url}/monitoring?refresh=${REFRESH_MS}`, { waitUntil: 'load', timeout: CHARTS_TIMEOUT_MS });
    await waitForCharts(page, 3);

    for (const family of FAMILIES) {
      const section = page.locator(`section[data-family="${family}"]`);
      expect(await section.locator('h2').textContent()).not.toBe('');
      const headlineRate = await section.locator('.rates dd.headline').textContent();
      expect(Number(headlineRate), family).toBeGreaterThan(0);
      const canvas = await section.locator('.uplot canvas').boundingBox();
      expect(canvas?.width, family).toBeGreaterThan(200);
      expect(canvas?.height, family).toBeGreaterThan(100);
      if (family !== 'authentication') expect(await section.locator('.latency').textContent(), family).toMatch(/p95\d+(\.\d+)? ms/);
    }
    expect(await page.locator('#status').getAttribute('class')).not.toBe('error');

    await mkdir('test-results', { recursive: true });
    await page.screenshot({ path: SCREENSHOT, fullPage: true });
    expect(existsSync(SCREENSHOT)).toBe(true);
    expect(problems).toEqual([]);
  });

  it('says so when the exporter stops answering its polls, and recovers once it answers again', async () => {
    // A host app in front of the router holds every poll while `isStalled`, as a frozen exporter or a
    // dropped connection would: nothing refuses the request, nothing answers it. Resuming lets the
    // held ones through (those the page gave up on find their connection closed).
    let isStalled = false;
    const held: (() => void)[] = [];
    const app = express();
    app.use((req, _res, next) => {
      if (isStalled && req.path === '/monitoring/data') held.push(next);
      else next();
    });
    app.use(createMetricsRouter(liveAm(), { page: amLivePage }));
    const host: Server = createServer(app);
    await new Promise<void>((resolve) => host.listen(0, '127.0.0.1', resolve));
    onTestFinished(() => {
      host.closeAllConnections();
      return new Promise<void>((resolve) => host.close(() => resolve()));
    });
    const page = await watchedPage([]);
    await page.goto(`http://127.0.0.1:${(host.address() as AddressInfo).port}/monitoring?refresh=${REFRESH_MS}`, { timeout: CHARTS_TIMEOUT_MS });
    await waitForCharts(page, 2);

    isStalled = true;
    const status = page.locator('#status');
    await expect.poll(() => status.getAttribute('class'), { timeout: STALL_TIMEOUT_MS, interval: 200 }).toBe('error');
    expect(await status.textContent()).toMatch(/did not answer within \d+ s/);

    isStalled = false;
    for (const next of held.splice(0)) next();
    const refreshes = Number(await page.locator('body').getAttribute('data-refreshes'));
    await expect
      .poll(async () => Number(await page.locator('body').getAttribute('data-refreshes')), { timeout: CHARTS_TIMEOUT_MS, interval: 100 })
      .toBeGreaterThan(refreshes);
    expect(await status.getAttribute('class')).toBe('');
  }, 60_000);

  it("keeps a label value's right-to-left override from reordering the text around it", async () => {
    const noteSelector = 'section[data-family="authorization"] .note';
    // A policy set name is free text: U+202E (RIGHT-TO-LEFT OVERRIDE) in it, left unisolated, runs to
    // the end of the note and draws what follows the value ("}.") backwards, somewhere else.
    const am = createAmMetrics({ podName: 'am-0' });
    am.authorization.evaluation('\u202Epayments', 0.02, 'success');
    const server = await serve({ page: amLivePage, source: am });
    const problems: string[] = [];
    const page = await watchedPage(problems);
    await page.goto(`${server.url}/monitoring?refresh=${REFRESH_MS}`, { timeout: CHARTS_TIMEOUT_MS });
    const note = page.locator(noteSelector);
    await expect.poll(() => note.textContent(), { timeout: CHARTS_TIMEOUT_MS }).toContain('payments');

    const [brace, stop] = await page.evaluate<[number, number]>(`(${LAST_BRACE_AND_STOP})(document.querySelector('${noteSelector}'))`);
    expect(stop).toBeGreaterThan(brace);
    expect(problems).toEqual([]);
  });

  it('works behind Basic auth with the router mounted under a prefix', async () => {
    const app = express();
    app.use('/am', createMetricsRouter(liveAm(), { page: amLivePage, auth: { basic: { username: 'viewer', password: 'pa55-long-enough-now' } } }));
    const host: Server = createServer(app);
    await new Promise<void>((resolve) => host.listen(0, '127.0.0.1', resolve));
    onTestFinished(() => new Promise<void>((resolve) => host.close(() => resolve())));
    const problems: string[] = [];
    const page = await watchedPage(problems);
    // Chromium meets the 401 challenge and answers it with the context's credentials, reporting nothing.
    await page.goto(`http://127.0.0.1:${(host.address() as AddressInfo).port}/am/monitoring?refresh=${REFRESH_MS}`, { timeout: CHARTS_TIMEOUT_MS });
    await waitForCharts(page, 2);
    expect(problems).toEqual([]);
  });
});

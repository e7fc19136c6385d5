// Someone sharing the scraper's address (same host, a NAT, an ingress) guesses passwords. The real
// scraper, presenting valid credentials, must keep getting its data; only the guesses are refused.
import { describe, expect, it } from 'vitest';
import type { AuthOptions } from '../../src/http/auth.js';
import { basic, rawRequest, sampleRegistry, serve } from '../server/helpers.js';
import { MAX_PARALLEL_CLIENTS } from './support.js';

const PASSWORD = 'correct-horse-battery-staple';
const AUTH: AuthOptions = { basic: { username: 'prometheus', password: PASSWORD }, bearerToken: 'bearer-token-of-some-length' };

describe("a password-guessing neighbour on the scraper's address", () => {
  it('cannot lock the scraper out: valid credentials are served while guesses get 429', async () => {
    const server = await serve({ source: sampleRegistry(), auth: AUTH });
    const url = `${server.url}/monitoring/prometheus/am`;
    const guesses = await Promise.all(
      Array.from({ length: MAX_PARALLEL_CLIENTS }, (_, i) => rawRequest(url, { headers: { authorization: basic('prometheus', `guess-${i}`) } })),
    );
    const statuses = new Set(guesses.map((r) => r.status));
    expect([...statuses].sort()).toEqual([401, 429]);
    for (const authorization of [basic('prometheus', PASSWORD), 'Bearer bearer-token-of-some-length']) {
      const scrape = await rawRequest(url, { headers: { authorization } });
      expect(scrape.status).toBe(200);
      expect(scrape.body.toString()).toContain('am_x_count');
    }
    expect((await rawRequest(url, { headers: { authorization: basic('prometheus', 'one-more') } })).status).toBe(429);
  });
});

// The paths the exporter answers on, and which request paths count as theirs for access control.
// Routing requests to handlers is server.ts's job.

/** Prometheus text in AIC names (`X_sum`): AIC's path and AM 8's. */
export const AIC_PATHS = ['/monitoring/prometheus/am', '/metrics/prometheus/0.0.4'] as const;
/** Prometheus text in AM ≤ 7.5 names (`X_total`). */
export const LEGACY_PATHS = ['/json/metrics/prometheus', '/metrics/prometheus'] as const;
/** AM's JSON view of the metrics; one entry at `JSON_PATH/<id>`. */
export const JSON_PATH = '/json/metrics/api';
/** Liveness; never behind auth. */
export const HEALTH_PATH = '/health';
/** The built-in live page, the JSON it polls, and the folder of its script, styles and charting library. */
export const MONITORING_PAGE_PATH = '/monitoring';
export const MONITORING_DATA_PATH = '/monitoring/data';
export const MONITORING_ASSETS_PATH = '/monitoring/assets';

const PROTECTED = new Set<string>([...AIC_PATHS, ...LEGACY_PATHS, JSON_PATH, MONITORING_PAGE_PATH, MONITORING_DATA_PATH]);

/**
 * Whether a request URL (path relative to the router, query allowed) names a metrics, JSON or
 * monitoring-page path (anything under MONITORING_ASSETS_PATH or JSON_PATH included) in
 * any spelling a lenient client or proxy might treat as the same: other letter case, trailing or
 * doubled slashes, percent-encoding, backslashes, `.` and `..` segments, an absolute-form target. Such requests need
 * credentials even though only the exact spelling is served, so a variant answers 401, never data or 404.
 */
export function isProtectedPath(url: string): boolean {
  const path = normalizePath(url);
  return PROTECTED.has(path) || path.startsWith(`${MONITORING_ASSETS_PATH}/`) || path.startsWith(`${JSON_PATH}/`);
}

/**
 * An absolute-form request target (`GET http://host/path`, RFC 9112 §3.2.2) is routed by its path, as
 * the router strips the scheme and authority (its `getProtohost`); so must this check.
 */
const ABSOLUTE_FORM = /^[^/?#]*:\/\/[^/?#]*/;

function normalizePath(url: string): string {
  const raw = (url.split(/[?#]/, 1)[0] ?? '').replace(ABSOLUTE_FORM, '');
  let decoded = raw;
  try {
    decoded = decodeURIComponent(raw);
  } catch {
    // Malformed percent-encoding: compare the raw text.
  }
  const segments: string[] = [];
  for (const segment of decoded.toLowerCase().replace(/\\/g, '/').split('/')) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..') segments.pop();
    else segments.push(segment);
  }
  return `/${segments.join('/')}`;
}

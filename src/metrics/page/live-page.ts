// The AM live page as the exporter's router mounts it (the `page` option): its HTML, script, styles
// and icon, and the view of AM's families it polls. Serving it is src/http/page/monitoring-page.ts's job.
import type { LivePage } from '../../http/page/monitoring-page.js';
import { monitoringView } from './monitoring-view.js';
import { PAGE_HTML } from './page-html.js';
import { PAGE_SCRIPT } from './page-script.js';
import { PAGE_CSS, PAGE_ICON_SVG } from './page-style.js';

/**
 * The built-in AM page at `/monitoring`: per-family rates, latency quantiles and uPlot charts, polling
 * `/monitoring/data`. Pass it as `createMetricsRouter(am, { page: amLivePage })`.
 */
export const amLivePage: LivePage = {
  html: PAGE_HTML,
  script: PAGE_SCRIPT,
  css: PAGE_CSS,
  icon: PAGE_ICON_SVG,
  view: (collection) => monitoringView(collection.families),
};

// The monitoring page's script, served as `monitoring/assets/page.js` (no inline script under the page's
// Content-Security-Policy). Plain browser JavaScript kept as a string so `tsc` ships it; it polls
// `monitoring/data` (shaped by monitoring-view.ts) and draws with the uPlot global loaded before it.

/**
 * Fills the page in: one section per family with its current rates, latency quantiles and a uPlot
 * chart of the last HISTORY_SECONDS seen. Refreshes every `?refresh=` milliseconds (clamped to
 * MIN_REFRESH_MS..MAX_REFRESH_MS; default DEFAULT_REFRESH_MS); a poll unanswered within
 * REQUEST_TIMEOUT_MS is shown as failed and tried again. Data reaches the DOM only through
 * `textContent`, label values each in a `<bdi>`. Each section carries `data-points` (points held)
 * and `data-drawn-points` (points in the chart's last draw) for tests and curious people.
 */
export const PAGE_SCRIPT = `'use strict';
(() => {
  const HISTORY_SECONDS = 600;
  const DEFAULT_REFRESH_MS = 5000;
  const MIN_REFRESH_MS = 200;
  const MAX_REFRESH_MS = 60000;
  // A poll still unanswered after this long (a frozen exporter, a dropped connection) is given up and
  // shown as failed; without it the page would go on reading "Updated" over charts that stopped.
  const REQUEST_TIMEOUT_MS = 10000;
  const CHART_HEIGHT = 200;
  const LATENCY_KEY = 'p95';
  const PALETTE = ['#2563eb', '#16a34a', '#dc2626', '#9333ea', '#ea580c', '#0891b2', '#ca8a04', '#db2777', '#4b5563', '#65a30d'];

  const status = document.getElementById('status');
  const container = document.getElementById('families');
  const refreshMs = refreshInterval(new URLSearchParams(location.search).get('refresh'));
  const panels = new Map();
  let refreshes = 0;

  function refreshInterval(param) {
    const ms = Number(param);
    if (param === null || param === '' || !Number.isFinite(ms)) return DEFAULT_REFRESH_MS;
    return Math.min(MAX_REFRESH_MS, Math.max(MIN_REFRESH_MS, Math.round(ms)));
  }

  function element(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function formatRate(value) {
    if (value === null || value === undefined) return '–';
    return value < 10 ? value.toFixed(2) : value.toFixed(1);
  }

  function formatMs(value) {
    if (value === null || value === undefined) return '–';
    return (value < 10 ? value.toFixed(2) : value < 1000 ? value.toFixed(1) : value.toFixed(0)) + ' ms';
  }

  function createPanel(family) {
    const section = element('section', 'family');
    section.dataset.family = family.family;
    section.dataset.points = '0';
    const rates = element('dl', 'rates');
    const latency = element('dl', 'latency');
    const stats = element('div', 'stats');
    stats.append(rates, latency);
    const note = element('p', 'note');
    const chartBox = element('div', 'chart');
    section.append(element('h2', null, family.title), stats, note, chartBox);
    container.append(section);
    return { section, rates, latency, note, chartBox, chart: null, keys: [], times: [], columns: new Map() };
  }

  function showList(list, rows) {
    list.replaceChildren();
    for (const [name, value, isHeadline] of rows) {
      list.append(element('dt', isHeadline ? 'headline' : null, name), element('dd', isHeadline ? 'headline' : null, value));
    }
  }

  function showNumbers(panel, family) {
    const rates = family.rates;
    const rows = [[rates.unit, formatRate(rates.total), true]];
    for (const group of rates.groups) rows.push([group.value, formatRate(group.perSecond), false]);
    showList(panel.rates, rows);
    const latency = family.latency;
    if (latency === null) {
      showList(panel.latency, []);
      panel.note.textContent = 'Rates of ' + rates.metric + ' by ' + rates.label + '. AM documents no timer for this family.';
      return;
    }
    showList(panel.latency, [
      ['latency', '', true], ['p50', formatMs(latency.p50)], ['p95', formatMs(latency.p95)], ['p99', formatMs(latency.p99)],
    ]);
    const labels = Object.entries(latency.labels);
    const series = labels.length === 0 ? [' (no traffic yet)'] : [' {', ...labels.flatMap(labelParts), '}'];
    panel.note.replaceChildren('Rates of ' + rates.metric + ' by ' + rates.label + '. Latency of ' + latency.metric, ...series, '.');
  }

  // A label value is free text: each sits in its own <bdi>, so right-to-left text or a direction
  // override inside it cannot reorder the words around it.
  function labelParts([name, value], i) {
    return [(i > 0 ? ', ' : '') + name + '=', element('bdi', null, value)];
  }

  function record(panel, family, nowSeconds) {
    const values = new Map(family.rates.groups.map((group) => ['rate:' + group.value, group.perSecond]));
    if (family.latency !== null) values.set(LATENCY_KEY, family.latency.p95);
    let isNewKey = false;
    for (const key of values.keys()) {
      if (panel.columns.has(key)) continue;
      panel.columns.set(key, panel.times.map(() => null));
      panel.keys.push(key);
      isNewKey = true;
    }
    panel.times.push(nowSeconds);
    for (const [key, column] of panel.columns) column.push(values.has(key) ? values.get(key) : null);
    while (panel.times.length > 0 && panel.times[0] < nowSeconds - HISTORY_SECONDS) {
      panel.times.shift();
      for (const column of panel.columns.values()) column.shift();
    }
    panel.section.dataset.points = String(panel.times.length);
    return isNewKey;
  }

  function chartData(panel) {
    return [panel.times, ...panel.keys.map((key) => panel.columns.get(key))];
  }

  function fromZero(u, min, max) {
    return [0, max > 0 ? max * 1.1 : 1];
  }

  function buildChart(panel, family) {
    if (panel.chart !== null) panel.chart.destroy();
    const series = [{}];
    panel.keys.forEach((key, i) => {
      series.push(key === LATENCY_KEY
        ? { label: 'p95 latency', scale: 'ms', stroke: '#111827', width: 1.5, dash: [6, 4], value: (u, v) => formatMs(v) }
        : { label: key.slice('rate:'.length), scale: 'rate', stroke: PALETTE[i % PALETTE.length], width: 2, value: (u, v) => (v === null ? '–' : formatRate(v) + '/s') });
    });
    const axes = [{}, { scale: 'rate', label: family.rates.unit, size: 60 }];
    if (panel.columns.has(LATENCY_KEY)) axes.push({ scale: 'ms', side: 1, label: 'ms', size: 60, grid: { show: false } });
    const options = {
      width: panel.chartBox.clientWidth || 480,
      height: CHART_HEIGHT,
      scales: { x: { time: true }, rate: { range: fromZero }, ms: { range: fromZero } },
      series,
      axes,
      hooks: { draw: [(u) => { panel.section.dataset.drawnPoints = String(u.data[0].length); }] },
    };
    panel.chart = new uPlot(options, chartData(panel), panel.chartBox);
  }

  function render(view) {
    const nowSeconds = Date.now() / 1000;
    for (const family of view.families) {
      let panel = panels.get(family.family);
      if (panel === undefined) {
        panel = createPanel(family);
        panels.set(family.family, panel);
      }
      showNumbers(panel, family);
      if (record(panel, family, nowSeconds) || panel.chart === null) buildChart(panel, family);
      else panel.chart.setData(chartData(panel));
    }
  }

  function showStatus(text, isError) {
    status.textContent = text;
    status.classList.toggle('error', isError);
  }

  async function poll() {
    try {
      const response = await fetch('monitoring/data', {
        cache: 'no-store',
        credentials: 'same-origin',
        headers: { Accept: 'application/json' },
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
      if (!response.ok) throw new Error('the exporter answered HTTP ' + response.status);
      render(await response.json());
      refreshes += 1;
      document.body.dataset.refreshes = String(refreshes);
      showStatus('Updated ' + new Date().toLocaleTimeString() + ', every ' + refreshMs / 1000 + ' s', false);
    } catch (error) {
      showStatus('Update failed: ' + failureOf(error) + '. Retrying.', true);
    }
    setTimeout(poll, refreshMs);
  }

  function failureOf(error) {
    if (error instanceof DOMException && error.name === 'TimeoutError') return 'the exporter did not answer within ' + REQUEST_TIMEOUT_MS / 1000 + ' s';
    return error instanceof Error ? error.message : String(error);
  }

  addEventListener('resize', () => {
    for (const panel of panels.values()) {
      if (panel.chart !== null) panel.chart.setSize({ width: panel.chartBox.clientWidth, height: CHART_HEIGHT });
    }
  });

  if (typeof uPlot !== 'function') showStatus('The charting library did not load (monitoring/assets/uPlot.iife.min.js).', true);
  else poll();
})();
`;

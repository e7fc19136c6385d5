// The monitoring page's HTML: an empty shell the page script fills in. Static, with no inline script or
// style (the page's Content-Security-Policy forbids both) and relative URLs only, so it works wherever a
// host app mounts the router. Serving it is monitoring-page.ts's job.

/**
 * The HTML of `GET /monitoring`. Every URL is relative to the page (`monitoring/assets/...`), so a
 * router mounted under `/am` loads `/am/monitoring/assets/...`.
 */
export const PAGE_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>AM metrics</title>
<link rel="icon" href="monitoring/assets/icon.svg" type="image/svg+xml">
<link rel="stylesheet" href="monitoring/assets/uPlot.min.css">
<link rel="stylesheet" href="monitoring/assets/page.css">
<script src="monitoring/assets/uPlot.iife.min.js" defer></script>
<script src="monitoring/assets/page.js" defer></script>
</head>
<body>
<header>
<h1>AM metrics</h1>
<p id="status" role="status">Loading…</p>
</header>
<noscript><p>This page needs JavaScript. The numbers are also at <a href="json/metrics/api">json/metrics/api</a>.</p></noscript>
<main id="families"></main>
<footer>
<p>Rates are 1-minute moving averages. Latencies are quantiles of the busiest series of each family's main timer, biased towards the last few minutes.
Charts keep the last 10 minutes this page has seen.</p>
<p>Also served here: <a href="monitoring/prometheus/am">Prometheus text</a> · <a href="json/metrics/api">JSON</a></p>
</footer>
</body>
</html>
`;

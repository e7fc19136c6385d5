// The monitoring page's styles and icon, served as files (the page's Content-Security-Policy allows no
// inline style). uPlot's own stylesheet is served beside them, unchanged.

/** `monitoring/assets/page.css`: a grid of family cards, readable without Grafana's chrome. */
export const PAGE_CSS = `:root {
  color-scheme: light;
  --ink: #1f2937;
  --muted: #6b7280;
  --card: #ffffff;
  --line: #e5e7eb;
  --accent: #2563eb;
  --error: #b91c1c;
}
* { box-sizing: border-box; }
body {
  margin: 0;
  padding: 1rem 1.5rem 2rem;
  background: #f3f4f6;
  color: var(--ink);
  font: 14px/1.4 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
}
header { display: flex; align-items: baseline; gap: 1.5rem; flex-wrap: wrap; }
h1 { margin: 0 0 0.75rem; font-size: 1.4rem; }
#status { margin: 0; color: var(--muted); }
#status.error { color: var(--error); font-weight: 600; }
main {
  display: grid;
  grid-template-columns: repeat(auto-fill, minmax(520px, 1fr));
  gap: 1rem;
}
.family {
  background: var(--card);
  border: 1px solid var(--line);
  border-radius: 8px;
  padding: 0.75rem 1rem 0.5rem;
  min-width: 0;
}
.family h2 { margin: 0 0 0.5rem; font-size: 1.1rem; }
.stats { display: flex; gap: 2rem; flex-wrap: wrap; }
.stats dl {
  display: grid;
  grid-template-columns: auto auto;
  gap: 0.1rem 0.75rem;
  margin: 0;
  align-content: start;
}
.stats dt { color: var(--muted); }
.stats dd { margin: 0; font-variant-numeric: tabular-nums; text-align: right; }
.stats dt.headline, .stats dd.headline { color: var(--ink); font-weight: 600; }
.note { margin: 0.5rem 0; color: var(--muted); font-size: 0.85rem; overflow-wrap: anywhere; }
.chart { width: 100%; min-height: 200px; }
.chart .u-legend { font-size: 0.8rem; }
footer { margin-top: 1.5rem; color: var(--muted); font-size: 0.85rem; }
a { color: var(--accent); }
@media (max-width: 600px) {
  body { padding: 0.5rem; }
  main { grid-template-columns: 1fr; }
}
`;

/** `monitoring/assets/icon.svg`: served so browsers find an icon without a 404 for /favicon.ico. */
export const PAGE_ICON_SVG = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16">
<rect width="16" height="16" rx="3" fill="#2563eb"/>
<polyline points="2,12 6,7 9,10 14,3" fill="none" stroke="#fff" stroke-width="2"/>
</svg>
`;

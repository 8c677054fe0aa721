import { Resvg } from '@resvg/resvg-js';
import type { ScenarioResult } from './results.js';

const SERIES = [
  { key: 'p50', color: '#4e79a7' },
  { key: 'p95', color: '#f28e2b' },
  { key: 'p99', color: '#e15759' },
] as const;

const escape = (text: string) =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/**
 * Horizontal grouped bars (p50, p95, p99 per scenario) on a log-scale millisecond axis, with
 * the 50 ms (byId p99) and 500 ms (API p95) objectives drawn as dashed lines.
 */
export function latencyChartSvg(results: readonly ScenarioResult[], title: string): string {
  const width = 1100;
  const left = 230;
  const right = 150;
  const top = 60;
  const barHeight = 9;
  const rowHeight = SERIES.length * barHeight + 14;
  const plotHeight = Math.max(1, results.length) * rowHeight;
  const height = top + plotHeight + 50;
  const values = results.flatMap((r) => SERIES.map((s) => r.latencyMs[s.key]));
  const minDecade = Math.floor(
    Math.log10(Math.max(0.01, Math.min(0.1, ...values.filter((v) => v > 0)))),
  );
  const maxDecade = Math.max(3, Math.ceil(Math.log10(Math.max(1, ...values))));
  const plotWidth = width - left - right;
  const x = (ms: number) =>
    left +
    ((Math.log10(Math.max(ms, 10 ** minDecade)) - minDecade) / (maxDecade - minDecade)) * plotWidth;

  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="DejaVu Sans, Arial, sans-serif">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="${left}" y="26" font-size="17" font-weight="bold">${escape(title)}</text>`,
  ];
  SERIES.forEach((s, i) => {
    const lx = width - right + 20;
    const ly = top + i * 20;
    out.push(
      `<rect x="${lx}" y="${ly}" width="14" height="12" fill="${s.color}"/>`,
      `<text x="${lx + 20}" y="${ly + 11}" font-size="13">${s.key}</text>`,
    );
  });
  for (let d = minDecade; d <= maxDecade; d++) {
    const gx = x(10 ** d);
    const label = d < 0 ? (10 ** d).toFixed(-d) : String(10 ** d);
    out.push(
      `<line x1="${gx}" y1="${top - 6}" x2="${gx}" y2="${top + plotHeight}" stroke="#ddd"/>`,
      `<text x="${gx}" y="${top + plotHeight + 18}" font-size="12" text-anchor="middle">${label}</text>`,
    );
  }
  out.push(
    `<text x="${left + plotWidth / 2}" y="${top + plotHeight + 40}" font-size="13" text-anchor="middle">latency, ms (log scale)</text>`,
  );
  for (const [ms, label] of [
    [50, '50 ms'],
    [500, '500 ms'],
  ] as const) {
    const gx = x(ms);
    out.push(
      `<line x1="${gx}" y1="${top - 14}" x2="${gx}" y2="${top + plotHeight}" stroke="#555" stroke-dasharray="5,4"/>`,
      `<text x="${gx + 3}" y="${top - 16}" font-size="11" fill="#555">${label}</text>`,
    );
  }
  results.forEach((r, row) => {
    const y0 = top + row * rowHeight + 6;
    out.push(
      `<text x="${left - 10}" y="${y0 + (SERIES.length * barHeight) / 2 + 4}" font-size="13" text-anchor="end">${escape(r.id)}</text>`,
    );
    if (r.requests === 0) {
      out.push(
        `<text x="${left + 6}" y="${y0 + (SERIES.length * barHeight) / 2 + 4}" font-size="12" fill="#b00">no response completed</text>`,
      );
      return;
    }
    SERIES.forEach((s, i) => {
      const value = r.latencyMs[s.key];
      const y = y0 + i * barHeight;
      const w = Math.max(1, x(value) - left);
      out.push(
        `<rect x="${left}" y="${y}" width="${w.toFixed(1)}" height="${barHeight - 1}" fill="${s.color}"/>`,
        `<text x="${left + w + 4}" y="${y + barHeight - 1}" font-size="9" fill="#333">${value.toFixed(1)}</text>`,
      );
    });
  });
  out.push(
    `<line x1="${left}" y1="${top - 6}" x2="${left}" y2="${top + plotHeight}" stroke="#333"/>`,
  );
  out.push('</svg>');
  return out.join('\n');
}

/** Rasterizes with resvg (a prebuilt native binary from npm); text uses the system's fonts. */
export function svgToPng(svg: string): Buffer {
  const resvg = new Resvg(svg, {
    background: 'white',
    font: { loadSystemFonts: true, defaultFontFamily: 'DejaVu Sans' },
  });
  return resvg.render().asPng();
}

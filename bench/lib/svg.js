// A self-contained SVG grouped horizontal bar chart, readable on its own:
// title, subtitle, a legend of the series, one or more panels (each with its
// own title, value axis with ticks and unit), groups of bars, the value printed
// at the end of every bar, optional min–max whiskers, and footnotes.
// Absent bars (N/A, SKIPPED, FAILED) are listed with that word instead of a bar.

const FONT = 'font-family="Helvetica, Arial, sans-serif"';
const W = 960;
const LEFT = 200; // group and bar labels
const RIGHT = 150; // values printed after the bars
const BAR_H = 16;
const BAR_GAP = 4;
const GROUP_GAP = 12;

export function esc(text) {
  return String(text).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** A "nice" axis maximum and tick step for values up to max. */
function niceScale(max) {
  if (!(max > 0)) return { top: 1, step: 0.2 };
  const rough = max / 5;
  const pow = 10 ** Math.floor(Math.log10(rough));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * pow).find((s) => s >= rough);
  return { top: Math.ceil((max * 1.02) / step) * step, step };
}

/** Tick labels in one unit per axis: 0, 50k, 100k … or 0, 2.5, 5 … */
function tickLabel(v, step, top) {
  if (top >= 2e6) return `${+(v / 1e6).toFixed(2)}M`;
  if (top >= 1e4) return `${+(v / 1e3).toFixed(step >= 1000 ? 0 : 1)}k`;
  return step < 1 ? v.toFixed(step < 0.1 ? 2 : 1) : String(Math.round(v));
}

/**
 * spec: {
 *   title, subtitle: [lines], footnotes: [lines],
 *   series: [{ name, color }],               // legend, in order
 *   panels: [{ title, unit, groups: [{ label, bars: [{ series, value, min, max, text, absent }] }] }]
 * }
 * bar.text is what is printed after the bar (defaults to the value); bar.absent
 * ('N/A', 'SKIPPED', 'FAILED', 'no answer') prints that word instead of a bar.
 */
export function groupedBarChart(spec) {
  const out = [];
  let y = 0;
  const line = (s) => out.push(s);
  const plotW = W - LEFT - RIGHT;

  y += 28;
  line(`<text x="16" y="${y}" ${FONT} font-size="19" font-weight="bold" fill="#111">${esc(spec.title)}</text>`);
  for (const s of spec.subtitle ?? []) {
    y += 17;
    line(`<text x="16" y="${y}" ${FONT} font-size="12" fill="#555">${esc(s)}</text>`);
  }

  // Legend: swatches in rows.
  y += 14;
  let x = 16;
  const legendRowH = 18;
  y += legendRowH - 4;
  for (const s of spec.series) {
    const w = 22 + s.name.length * 7 + 18;
    if (x + w > W - 16) {
      x = 16;
      y += legendRowH;
    }
    line(`<rect x="${x}" y="${y - 11}" width="14" height="14" rx="2" fill="${s.color}"/>`);
    line(`<text x="${x + 19}" y="${y}" ${FONT} font-size="12" fill="#222">${esc(s.name)}</text>`);
    x += w;
  }
  y += 10;

  const color = new Map(spec.series.map((s) => [s.name, s.color]));
  for (const panel of spec.panels) {
    y += 26;
    line(`<text x="16" y="${y}" ${FONT} font-size="14" font-weight="bold" fill="#222">${esc(panel.title)}</text>`);
    y += 10;
    const values = panel.groups.flatMap((g) => g.bars.filter((b) => !b.absent).map((b) => Math.max(b.value ?? 0, b.max ?? 0)));
    const { top, step } = niceScale(Math.max(0, ...values));
    const sx = (v) => LEFT + (plotW * Math.max(0, v)) / top;
    const plotTop = y;
    const rows = [];
    for (const g of panel.groups) {
      if (g.label) {
        y += 16;
        rows.push(`<text x="16" y="${y}" ${FONT} font-size="12.5" font-weight="bold" fill="#333">${esc(g.label)}</text>`);
      }
      y += 4;
      for (const b of g.bars) {
        const cy = y + BAR_H / 2;
        rows.push(`<text x="${LEFT - 8}" y="${cy + 4}" text-anchor="end" ${FONT} font-size="12" fill="#222">${esc(b.series)}</text>`);
        if (b.absent) {
          rows.push(`<text x="${LEFT + 6}" y="${cy + 4}" ${FONT} font-size="11.5" font-style="italic" fill="#888">${esc(b.absent)}</text>`);
        } else {
          const w = Math.max(1, sx(b.value) - LEFT);
          rows.push(`<rect x="${LEFT}" y="${y}" width="${w.toFixed(1)}" height="${BAR_H}" fill="${color.get(b.series) ?? '#999'}"><title>${esc(`${b.series}: ${b.text ?? b.value}`)}</title></rect>`);
          let end = LEFT + w;
          if (b.min !== undefined && b.max !== undefined && b.min !== null && b.max !== null && b.max > b.min) {
            const x1 = sx(b.min);
            const x2 = sx(b.max);
            rows.push(`<path d="M${x1.toFixed(1)} ${cy}H${x2.toFixed(1)}M${x1.toFixed(1)} ${cy - 4}V${cy + 4}M${x2.toFixed(1)} ${cy - 4}V${cy + 4}" stroke="#222" stroke-width="1.2" fill="none"/>`);
            end = Math.max(end, x2);
          }
          rows.push(`<text x="${(end + 6).toFixed(1)}" y="${cy + 4}" ${FONT} font-size="12" font-weight="bold" fill="#111">${esc(b.text ?? String(b.value))}</text>`);
        }
        y += BAR_H + BAR_GAP;
      }
      y += GROUP_GAP - BAR_GAP;
    }
    const plotBottom = y;
    // Grid and axis first, so bars draw over them.
    for (let v = 0; v <= top + step / 2; v += step) {
      const gx = sx(v).toFixed(1);
      line(`<line x1="${gx}" y1="${plotTop}" x2="${gx}" y2="${plotBottom}" stroke="${v === 0 ? '#444' : '#e3e3e3'}" stroke-width="1"/>`);
      line(`<text x="${gx}" y="${plotBottom + 15}" text-anchor="middle" ${FONT} font-size="11" fill="#555">${esc(tickLabel(v, step, top))}</text>`);
    }
    line(`<line x1="${LEFT}" y1="${plotBottom}" x2="${LEFT + plotW}" y2="${plotBottom}" stroke="#444" stroke-width="1"/>`);
    out.push(...rows);
    y = plotBottom + 32;
    line(`<text x="${LEFT + plotW / 2}" y="${y}" text-anchor="middle" ${FONT} font-size="12" fill="#333">${esc(panel.unit)}</text>`);
  }

  for (const f of spec.footnotes ?? []) {
    y += 16;
    line(`<text x="16" y="${y}" ${FONT} font-size="11" fill="#666">${esc(f)}</text>`);
  }
  y += 16;
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${y}" viewBox="0 0 ${W} ${y}" role="img" aria-label="${esc(spec.title)}">\n` +
    `<rect width="${W}" height="${y}" fill="#fff"/>\n${out.join('\n')}\n</svg>\n`
  );
}

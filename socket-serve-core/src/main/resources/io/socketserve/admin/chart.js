// A small SVG line chart for the admin page (no library, no CDN): the last `capacity` values of one
// series, scaled to the largest, with three horizontal grid lines labelled. Colours come from CSS.
const NS = 'http://www.w3.org/2000/svg';

function el(name, attrs = {}) {
  const e = document.createElementNS(NS, name);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  return e;
}

function format(v) {
  if (v >= 1e6) return (v / 1e6).toFixed(1) + 'M';
  if (v >= 1e4) return (v / 1e3).toFixed(0) + 'k';
  if (v >= 1e3) return (v / 1e3).toFixed(1) + 'k';
  return v >= 10 || v === 0 ? v.toFixed(0) : v.toFixed(1);
}

export class LineChart {
  constructor(container, { capacity = 60, width = 600, height = 140 } = {}) {
    this.capacity = capacity;
    this.width = width;
    this.height = height;
    this.values = [];
    this.svg = el('svg', { viewBox: `0 0 ${width} ${height}`, preserveAspectRatio: 'none', role: 'img' });
    container.replaceChildren(this.svg);
    this.render();
  }

  push(value) {
    this.values.push(Number.isFinite(value) ? Math.max(0, value) : 0);
    if (this.values.length > this.capacity) this.values.shift();
    this.render();
  }

  render() {
    const { width: w, height: h, values } = this;
    const top = 8, bottom = h - 14, left = 34;
    const max = Math.max(1, ...values) * 1.1;
    const svg = this.svg;
    svg.replaceChildren();
    for (const f of [0, 0.5, 1]) {
      const y = bottom - (bottom - top) * f;
      svg.append(el('line', { class: 'grid', x1: left, x2: w, y1: y, y2: y }));
      const label = el('text', { class: 'axis', x: 2, y: y + 3 });
      label.textContent = format(max * f);
      svg.append(label);
    }
    if (values.length === 0) return;
    const step = (w - left) / Math.max(1, this.capacity - 1);
    const x0 = w - step * (values.length - 1);
    const pts = values.map((v, i) => [x0 + step * i, bottom - (bottom - top) * (v / max)]);
    const line = pts.map(([x, y], i) => `${i ? 'L' : 'M'}${x.toFixed(1)},${y.toFixed(1)}`).join('');
    svg.append(el('path', { class: 'area', d: `${line}L${pts[pts.length - 1][0].toFixed(1)},${bottom}L${x0.toFixed(1)},${bottom}Z` }));
    svg.append(el('path', { class: 'line', d: line }));
    const last = el('text', { class: 'axis', x: w - 4, y: top + 10, 'text-anchor': 'end' });
    last.textContent = format(values[values.length - 1]);
    svg.append(last);
  }
}

/**
 * make-figures.ts — generates every figure used by the sample book.
 *
 * Run with:  npx tsx tools/figures/make-figures.ts
 *
 * Outputs (all written to manuscript/images/):
 *   bias-variance.svg      U-shaped test error against model complexity
 *   confusion-matrix.svg   2x2 confusion matrix with TP/FP/FN/TN cells
 *   neural-net.svg         a small fully connected network (3-4-2)
 *   activations.png        sigmoid, tanh and ReLU curves on shared axes
 *   decision-boundary.png  two seeded Gaussian classes and a linear boundary
 *   cover-art.png          the cover's abstract, deterministic pattern, into tools/figures/ (make-cover.ts
 *                          sets the title on it and writes manuscript/images/cover.png)
 *
 * Everything is deterministic: the scatter plot uses a seeded PRNG
 * (mulberry32), never Math.random, so re-running produces identical bytes.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PNG } from 'pngjs';

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = resolve(here, '..', '..');
const outDir = join(repoRoot, 'manuscript', 'images');

// ---------------------------------------------------------------------------
// Shared helpers
// ---------------------------------------------------------------------------

type RGB = readonly [number, number, number];

const PALETTE = {
  white: [255, 255, 255] as RGB,
  ink: [34, 40, 49] as RGB,
  grid: [226, 230, 236] as RGB,
  axis: [90, 98, 110] as RGB,
  blue: [38, 110, 190] as RGB,
  orange: [230, 126, 34] as RGB,
  green: [39, 155, 96] as RGB,
  red: [200, 60, 60] as RGB,
} as const;

/** Mulberry32: a tiny, well-known 32-bit seeded PRNG. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Standard normal sample via Box–Muller, driven by a seeded uniform source. */
function gaussian(rand: () => number): number {
  let u = rand();
  while (u <= Number.EPSILON) u = rand();
  const v = rand();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

/** Format a number for SVG output with a fixed number of decimals. */
function f(n: number): string {
  return Number(n.toFixed(2)).toString();
}

function escapeXml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

// ---------------------------------------------------------------------------
// A minimal raster canvas on top of pngjs
// ---------------------------------------------------------------------------

class Canvas {
  readonly png: PNG;
  readonly width: number;
  readonly height: number;

  constructor(width: number, height: number, background: RGB) {
    this.width = width;
    this.height = height;
    this.png = new PNG({ width, height, colorType: 2 });
    this.fillRect(0, 0, width, height, background);
  }

  /** Blend colour c into pixel (x, y) with coverage alpha in [0, 1]. */
  blend(x: number, y: number, c: RGB, alpha = 1): void {
    const xi = Math.floor(x);
    const yi = Math.floor(y);
    if (xi < 0 || yi < 0 || xi >= this.width || yi >= this.height) return;
    const a = Math.max(0, Math.min(1, alpha));
    const i = (yi * this.width + xi) * 4;
    const d = this.png.data;
    d[i] = Math.round(d[i]! * (1 - a) + c[0] * a);
    d[i + 1] = Math.round(d[i + 1]! * (1 - a) + c[1] * a);
    d[i + 2] = Math.round(d[i + 2]! * (1 - a) + c[2] * a);
    d[i + 3] = 255;
  }

  fillRect(x0: number, y0: number, w: number, h: number, c: RGB): void {
    for (let y = Math.max(0, y0); y < Math.min(this.height, y0 + h); y++) {
      for (let x = Math.max(0, x0); x < Math.min(this.width, x0 + w); x++) {
        const i = (y * this.width + x) * 4;
        this.png.data[i] = c[0];
        this.png.data[i + 1] = c[1];
        this.png.data[i + 2] = c[2];
        this.png.data[i + 3] = 255;
      }
    }
  }

  /** Anti-aliased filled disc (coverage estimated from distance to the edge). */
  disc(cx: number, cy: number, r: number, c: RGB, opacity = 1): void {
    const x0 = Math.floor(cx - r - 1);
    const x1 = Math.ceil(cx + r + 1);
    const y0 = Math.floor(cy - r - 1);
    const y1 = Math.ceil(cy + r + 1);
    for (let y = y0; y <= y1; y++) {
      for (let x = x0; x <= x1; x++) {
        const dist = Math.hypot(x + 0.5 - cx, y + 0.5 - cy);
        const cover = Math.max(0, Math.min(1, r + 0.5 - dist));
        if (cover > 0) this.blend(x, y, c, cover * opacity);
      }
    }
  }

  /** Anti-aliased thick line segment (distance-to-segment coverage). */
  line(xa: number, ya: number, xb: number, yb: number, width: number, c: RGB): void {
    const half = width / 2;
    const x0 = Math.floor(Math.min(xa, xb) - half - 1);
    const x1 = Math.ceil(Math.max(xa, xb) + half + 1);
    const y0 = Math.floor(Math.min(ya, yb) - half - 1);
    const y1 = Math.ceil(Math.max(ya, yb) + half + 1);
    const dx = xb - xa;
    const dy = yb - ya;
    const len2 = dx * dx + dy * dy;
    for (let y = y0; y <= y1; y++) {
      for (let x = x0; x <= x1; x++) {
        const px = x + 0.5;
        const py = y + 0.5;
        let t = len2 === 0 ? 0 : ((px - xa) * dx + (py - ya) * dy) / len2;
        t = Math.max(0, Math.min(1, t));
        const dist = Math.hypot(px - (xa + t * dx), py - (ya + t * dy));
        const cover = Math.max(0, Math.min(1, half + 0.5 - dist));
        if (cover > 0) this.blend(x, y, c, cover);
      }
    }
  }

  /** Polyline through a list of points. */
  polyline(points: ReadonlyArray<readonly [number, number]>, width: number, c: RGB): void {
    for (let k = 1; k < points.length; k++) {
      const p = points[k - 1]!;
      const q = points[k]!;
      this.line(p[0], p[1], q[0], q[1], width, c);
    }
  }

  encode(): Buffer {
    return PNG.sync.write(this.png, { colorType: 2, deflateLevel: 9 });
  }
}

/** Maps data coordinates to pixel coordinates inside a plot rectangle. */
interface Frame {
  left: number;
  top: number;
  width: number;
  height: number;
  xMin: number;
  xMax: number;
  yMin: number;
  yMax: number;
}

function px(fr: Frame, x: number): number {
  return fr.left + ((x - fr.xMin) / (fr.xMax - fr.xMin)) * fr.width;
}

function py(fr: Frame, y: number): number {
  return fr.top + fr.height - ((y - fr.yMin) / (fr.yMax - fr.yMin)) * fr.height;
}

/** Raster figures are drawn at 1.5× their design size (900 × 600 px): about 195 dpi across a 6×9 in page's text block, over the 150 dpi print preflight asks for. */
const S = 1.5;

function drawGridAndAxes(cv: Canvas, fr: Frame, xStep: number, yStep: number): void {
  for (let x = Math.ceil(fr.xMin / xStep) * xStep; x <= fr.xMax + 1e-9; x += xStep)
    cv.line(px(fr, x), fr.top, px(fr, x), fr.top + fr.height, S, PALETTE.grid);

  for (let y = Math.ceil(fr.yMin / yStep) * yStep; y <= fr.yMax + 1e-9; y += yStep)
    cv.line(fr.left, py(fr, y), fr.left + fr.width, py(fr, y), S, PALETTE.grid);

  // Axes through the origin when the origin is visible, else along the frame edge.
  const ax = fr.xMin <= 0 && fr.xMax >= 0 ? px(fr, 0) : fr.left;
  const ay = fr.yMin <= 0 && fr.yMax >= 0 ? py(fr, 0) : fr.top + fr.height;
  cv.line(fr.left, ay, fr.left + fr.width, ay, 2 * S, PALETTE.axis);
  cv.line(ax, fr.top, ax, fr.top + fr.height, 2 * S, PALETTE.axis);
  // Tick marks.
  for (let x = Math.ceil(fr.xMin / xStep) * xStep; x <= fr.xMax + 1e-9; x += xStep)
    cv.line(px(fr, x), ay - 5 * S, px(fr, x), ay + 5 * S, 2 * S, PALETTE.axis);

  for (let y = Math.ceil(fr.yMin / yStep) * yStep; y <= fr.yMax + 1e-9; y += yStep)
    cv.line(ax - 5 * S, py(fr, y), ax + 5 * S, py(fr, y), 2 * S, PALETTE.axis);
}

// ---------------------------------------------------------------------------
// PNG 1: activation functions
// ---------------------------------------------------------------------------

function activationsPng(): Buffer {
  const cv = new Canvas(600 * S, 400 * S, PALETTE.white);
  const fr: Frame = {
    left: 40 * S,
    top: 20 * S,
    width: 520 * S,
    height: 360 * S,
    xMin: -4,
    xMax: 4,
    yMin: -1.5,
    yMax: 4.5,
  };
  drawGridAndAxes(cv, fr, 1, 0.5);

  const sample = (fn: (x: number) => number): Array<[number, number]> => {
    const pts: Array<[number, number]> = [];
    for (let i = 0; i <= 480 * S; i++) {
      const x = fr.xMin + ((fr.xMax - fr.xMin) * i) / (480 * S);
      const y = fn(x);
      if (y >= fr.yMin && y <= fr.yMax) pts.push([px(fr, x), py(fr, y)]);
    }
    return pts;
  };

  cv.polyline(
    sample((x) => Math.tanh(x)),
    3 * S,
    PALETTE.green,
  );
  cv.polyline(
    sample((x) => 1 / (1 + Math.exp(-x))),
    3 * S,
    PALETTE.blue,
  );
  cv.polyline(
    sample((x) => Math.max(0, x)),
    3 * S,
    PALETTE.orange,
  );

  // Legend swatches (colour only; the caption in the book names them).
  const legend: RGB[] = [PALETTE.blue, PALETTE.green, PALETTE.orange];
  legend.forEach((c, k) => {
    cv.fillRect(60 * S, (45 + k * 22) * S, 36 * S, 10 * S, c);
  });
  return cv.encode();
}

// ---------------------------------------------------------------------------
// PNG 2: two-class scatter with a linear decision boundary
// ---------------------------------------------------------------------------

function decisionBoundaryPng(): Buffer {
  const cv = new Canvas(600 * S, 400 * S, PALETTE.white);
  const fr: Frame = {
    left: 30 * S,
    top: 20 * S,
    width: 540 * S,
    height: 360 * S,
    xMin: -4.5,
    xMax: 4.5,
    yMin: -3,
    yMax: 3,
  };
  const rand = mulberry32(20251101);

  // Boundary: w·x + b = 0 with w = (1, 1.2), b = 0.
  const w: readonly [number, number] = [1, 1.2];
  const b = 0;

  // Lightly tint the two half-planes.
  for (let y = fr.top; y < fr.top + fr.height; y++) {
    for (let x = fr.left; x < fr.left + fr.width; x++) {
      const dx = fr.xMin + ((x + 0.5 - fr.left) / fr.width) * (fr.xMax - fr.xMin);
      const dy = fr.yMax - ((y + 0.5 - fr.top) / fr.height) * (fr.yMax - fr.yMin);
      const s = w[0] * dx + w[1] * dy + b;
      cv.blend(x, y, s > 0 ? PALETTE.orange : PALETTE.blue, 0.08);
    }
  }
  drawGridAndAxes(cv, fr, 1, 1);

  // Draw the boundary line y = -(w0 x + b) / w1 across the frame.
  // Clip the segment to the plot frame: keep x where the line's y is in range.
  const yAt = (x: number): number => -(w[0] * x + b) / w[1];
  const xAtY = (y: number): number => -(w[1] * y + b) / w[0];
  const xs = [xAtY(fr.yMax), xAtY(fr.yMin)].sort((p, q) => p - q);
  const xa = Math.max(fr.xMin, xs[0]!);
  const xb = Math.min(fr.xMax, xs[1]!);
  cv.line(px(fr, xa), py(fr, yAt(xa)), px(fr, xb), py(fr, yAt(xb)), 3 * S, PALETTE.ink);

  // Two Gaussian blobs, 60 points each.
  const classes: Array<{ mean: [number, number]; colour: RGB }> = [
    { mean: [-1.4, -1.0], colour: PALETTE.blue },
    { mean: [1.4, 1.0], colour: PALETTE.orange },
  ];
  for (const cls of classes) {
    for (let i = 0; i < 60; i++) {
      const x = cls.mean[0] + 0.8 * gaussian(rand);
      const y = cls.mean[1] + 0.8 * gaussian(rand);
      if (x < fr.xMin || x > fr.xMax || y < fr.yMin || y > fr.yMax) continue;
      cv.disc(px(fr, x), py(fr, y), 6 * S, PALETTE.ink);
      cv.disc(px(fr, x), py(fr, y), 4.5 * S, cls.colour);
    }
  }
  return cv.encode();
}

// ---------------------------------------------------------------------------
// PNG 3: cover (800 x 1200), concentric arcs and a band of dots
// ---------------------------------------------------------------------------

function coverPng(): Buffer {
  const W = 800;
  const H = 1200;
  const cv = new Canvas(W, H, [24, 36, 56]);

  // Banded vertical gradient (flat bands keep the file small).
  const bands = 12;
  for (let y = 0; y < H; y++) {
    const t = Math.floor((y / H) * bands) / (bands - 1);
    const c: RGB = [Math.round(24 + 10 * t), Math.round(36 + 30 * t), Math.round(56 + 40 * t)];
    cv.fillRect(0, y, W, 1, c);
  }

  // Concentric rings centred off-canvas, alternating two accent colours.
  const cx = W * 0.85;
  const cy = H * 0.78;
  for (let k = 0; k < 10; k++) {
    const r = 110 + k * 75;
    const colour: RGB = k % 2 === 0 ? [230, 126, 34] : [240, 196, 120];
    const steps = 720;
    const pts: Array<[number, number]> = [];
    for (let s = 0; s <= steps; s++) {
      const a = Math.PI * 0.5 + (Math.PI * s) / steps; // left half of each ring
      pts.push([cx + r * Math.cos(a), cy - r * Math.sin(a)]);
    }
    cv.polyline(pts, k % 2 === 0 ? 6 : 3, colour);
  }

  // A "layer" of dots like a neural-network diagram across the top third.
  const cols = 9;
  const rows = 4;
  for (let i = 0; i < cols; i++) {
    for (let j = 0; j < rows; j++) {
      const x = 110 + i * 72;
      const y = 150 + j * 70;
      if (i + 1 < cols) cv.line(x, y, x + 72, 150 + ((j + 1) % rows) * 70, 1.5, [90, 120, 160]);
      cv.disc(x, y, 11, [200, 220, 245]);
    }
  }

  // The title, its rules and the authors are set on this by tools/figures/make-cover.ts.
  return cv.encode();
}

// ---------------------------------------------------------------------------
// SVG helpers
// ---------------------------------------------------------------------------

function svgDocument(width: number, height: number, title: string, desc: string, body: string): string {
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" font-family="sans-serif">`,
    `  <title>${escapeXml(title)}</title>`,
    `  <desc>${escapeXml(desc)}</desc>`,
    `  <rect x="0" y="0" width="${width}" height="${height}" fill="#ffffff"/>`,
    body,
    '</svg>',
    '',
  ].join('\n');
}

function svgText(
  x: number,
  y: number,
  text: string,
  opts: { size?: number; anchor?: string; weight?: string; fill?: string } = {},
): string {
  const size = opts.size ?? 14;
  const anchor = opts.anchor ?? 'middle';
  const weight = opts.weight ?? 'normal';
  const fill = opts.fill ?? '#222831';
  return `  <text x="${f(x)}" y="${f(y)}" font-size="${size}" text-anchor="${anchor}" font-weight="${weight}" fill="${fill}">${escapeXml(text)}</text>`;
}

function svgPath(
  points: ReadonlyArray<readonly [number, number]>,
  stroke: string,
  width: number,
  dash?: string,
): string {
  const d = points.map((p, i) => `${i === 0 ? 'M' : 'L'}${f(p[0])} ${f(p[1])}`).join(' ');
  const dashAttr = dash ? ` stroke-dasharray="${dash}"` : '';
  return `  <path d="${d}" fill="none" stroke="${stroke}" stroke-width="${width}" stroke-linecap="round" stroke-linejoin="round"${dashAttr}/>`;
}

// ---------------------------------------------------------------------------
// SVG 1: bias–variance trade-off
// ---------------------------------------------------------------------------

function biasVarianceSvg(): string {
  const W = 640;
  const H = 400;
  const fr: Frame = { left: 70, top: 40, width: 520, height: 290, xMin: 0, xMax: 10, yMin: 0, yMax: 1.2 };
  const n = 100;
  const bias2: Array<[number, number]> = [];
  const variance: Array<[number, number]> = [];
  const total: Array<[number, number]> = [];
  const noise = 0.1;
  let bestX = 0;
  let bestY = Infinity;
  for (let i = 0; i <= n; i++) {
    const x = 0.3 + (9.4 * i) / n;
    const b = 0.9 * Math.exp(-0.45 * x);
    const v = 0.012 * Math.exp(0.38 * x);
    const t = b + v + noise;
    bias2.push([px(fr, x), py(fr, b)]);
    variance.push([px(fr, x), py(fr, v)]);
    total.push([px(fr, x), py(fr, Math.min(t, fr.yMax))]);
    if (t < bestY) {
      bestY = t;
      bestX = x;
    }
  }
  const parts: string[] = [];
  // Axes.
  parts.push(
    `  <line x1="${fr.left}" y1="${fr.top + fr.height}" x2="${fr.left + fr.width}" y2="${fr.top + fr.height}" stroke="#5a626e" stroke-width="2"/>`,
  );
  parts.push(
    `  <line x1="${fr.left}" y1="${fr.top}" x2="${fr.left}" y2="${fr.top + fr.height}" stroke="#5a626e" stroke-width="2"/>`,
  );
  // Irreducible error.
  parts.push(
    svgPath(
      [
        [px(fr, 0.3), py(fr, noise)],
        [px(fr, 9.7), py(fr, noise)],
      ],
      '#9aa3ad',
      1.5,
      '4 4',
    ),
  );
  parts.push(svgPath(bias2, '#266ebe', 3));
  parts.push(svgPath(variance, '#e67e22', 3));
  parts.push(svgPath(total, '#222831', 3.5));
  // Sweet spot marker.
  const sx = px(fr, bestX);
  parts.push(
    `  <line x1="${f(sx)}" y1="${fr.top}" x2="${f(sx)}" y2="${fr.top + fr.height}" stroke="#279b60" stroke-width="1.5" stroke-dasharray="6 4"/>`,
  );
  parts.push(`  <circle cx="${f(sx)}" cy="${f(py(fr, bestY))}" r="5" fill="#279b60"/>`);
  // Labels.
  parts.push(svgText(fr.left + fr.width / 2, H - 25, 'Model complexity →', { size: 15 }));
  parts.push(
    `  <text x="22" y="${f(fr.top + fr.height / 2)}" font-size="15" text-anchor="middle" fill="#222831" transform="rotate(-90 22 ${f(fr.top + fr.height / 2)})">Error</text>`,
  );
  parts.push(svgText(px(fr, 1.3), py(fr, 0.75), 'Bias²', { anchor: 'start', fill: '#266ebe', weight: 'bold' }));
  parts.push(svgText(px(fr, 8.6), py(fr, 0.16), 'Variance', { anchor: 'start', fill: '#e67e22', weight: 'bold' }));
  parts.push(svgText(px(fr, 7.6), py(fr, 0.7), 'Total error', { anchor: 'start', weight: 'bold' }));
  parts.push(
    svgText(px(fr, 0.5), py(fr, noise) - 6, 'Irreducible noise', { anchor: 'start', size: 12, fill: '#5a626e' }),
  );
  parts.push(svgText(sx, fr.top - 10, 'Best trade-off', { size: 13, fill: '#279b60' }));
  parts.push(svgText(px(fr, 1.4), fr.top + fr.height + 22, 'Underfitting', { size: 13, fill: '#5a626e' }));
  parts.push(svgText(px(fr, 8.6), fr.top + fr.height + 22, 'Overfitting', { size: 13, fill: '#5a626e' }));
  return svgDocument(
    W,
    H,
    'Bias–variance trade-off',
    'Squared bias falls and variance rises as model complexity grows; their sum plus irreducible noise is U-shaped, with a minimum at intermediate complexity.',
    parts.join('\n'),
  );
}

// ---------------------------------------------------------------------------
// SVG 2: confusion matrix
// ---------------------------------------------------------------------------

function confusionMatrixSvg(): string {
  const W = 520;
  const H = 420;
  const x0 = 170;
  const y0 = 110;
  const cell = 150;
  const cells: Array<{ r: number; c: number; name: string; sub: string; fill: string }> = [
    { r: 0, c: 0, name: 'TP', sub: 'True positive', fill: '#d5efe0' },
    { r: 0, c: 1, name: 'FN', sub: 'False negative', fill: '#f6d8d8' },
    { r: 1, c: 0, name: 'FP', sub: 'False positive', fill: '#f6d8d8' },
    { r: 1, c: 1, name: 'TN', sub: 'True negative', fill: '#d5efe0' },
  ];
  const parts: string[] = [];
  parts.push(svgText(x0 + cell, 40, 'Predicted class', { size: 16, weight: 'bold' }));
  parts.push(svgText(x0 + cell / 2, 95, 'Positive', { size: 14 }));
  parts.push(svgText(x0 + (3 * cell) / 2, 95, 'Negative', { size: 14 }));
  parts.push(
    `  <text x="45" y="${y0 + cell}" font-size="16" font-weight="bold" text-anchor="middle" fill="#222831" transform="rotate(-90 45 ${y0 + cell})">Actual class</text>`,
  );
  parts.push(svgText(x0 - 12, y0 + cell / 2 + 5, 'Positive', { size: 14, anchor: 'end' }));
  parts.push(svgText(x0 - 12, y0 + (3 * cell) / 2 + 5, 'Negative', { size: 14, anchor: 'end' }));
  for (const c of cells) {
    const x = x0 + c.c * cell;
    const y = y0 + c.r * cell;
    parts.push(
      `  <rect x="${x}" y="${y}" width="${cell}" height="${cell}" fill="${c.fill}" stroke="#222831" stroke-width="2"/>`,
    );
    parts.push(svgText(x + cell / 2, y + cell / 2 + 2, c.name, { size: 32, weight: 'bold' }));
    parts.push(svgText(x + cell / 2, y + cell / 2 + 30, c.sub, { size: 13, fill: '#5a626e' }));
  }
  return svgDocument(
    W,
    H,
    'Confusion matrix for a binary classifier',
    'Rows are the actual class and columns the predicted class. The diagonal holds true positives and true negatives; the off-diagonal cells hold false negatives and false positives.',
    parts.join('\n'),
  );
}

// ---------------------------------------------------------------------------
// SVG 3: small neural network
// ---------------------------------------------------------------------------

function neuralNetSvg(): string {
  const W = 600;
  const H = 380;
  const layers = [3, 4, 2];
  const names = ['Input layer', 'Hidden layer', 'Output layer'];
  const colours = ['#266ebe', '#279b60', '#e67e22'];
  const xs = [110, 300, 490];
  const top = 70;
  const bottom = 320;
  const pos: Array<Array<[number, number]>> = layers.map((count, li) => {
    const pts: Array<[number, number]> = [];
    for (let k = 0; k < count; k++) {
      const y = top + ((k + 0.5) * (bottom - top)) / count;
      pts.push([xs[li]!, y]);
    }
    return pts;
  });
  const parts: string[] = [];
  for (let li = 0; li + 1 < pos.length; li++) {
    for (const a of pos[li]!) {
      for (const b of pos[li + 1]!) {
        parts.push(
          `  <line x1="${f(a[0])}" y1="${f(a[1])}" x2="${f(b[0])}" y2="${f(b[1])}" stroke="#9aa3ad" stroke-width="1.5"/>`,
        );
      }
    }
  }
  pos.forEach((pts, li) => {
    pts.forEach((p, k) => {
      parts.push(
        `  <circle cx="${f(p[0])}" cy="${f(p[1])}" r="20" fill="#ffffff" stroke="${colours[li]!}" stroke-width="3"/>`,
      );
      const label = li === 0 ? `x${k + 1}` : li === 1 ? `h${k + 1}` : `ŷ${k + 1}`;
      parts.push(svgText(p[0], p[1] + 5, label, { size: 14 }));
    });
    parts.push(svgText(xs[li]!, 40, names[li]!, { size: 15, weight: 'bold', fill: colours[li]! }));
  });
  parts.push(svgText(205, 350, 'W⁽¹⁾, b⁽¹⁾', { size: 14, fill: '#5a626e' }));
  parts.push(svgText(395, 350, 'W⁽²⁾, b⁽²⁾', { size: 14, fill: '#5a626e' }));
  return svgDocument(
    W,
    H,
    'A fully connected network with three inputs, four hidden units and two outputs',
    'Every unit in one layer connects to every unit in the next. The first weight matrix is 4 by 3 and the second is 2 by 4.',
    parts.join('\n'),
  );
}

// ---------------------------------------------------------------------------
// Main
// ---------------------------------------------------------------------------

function main(): void {
  mkdirSync(outDir, { recursive: true });
  const outputs: Array<[string, string | Buffer]> = [
    ['bias-variance.svg', biasVarianceSvg()],
    ['confusion-matrix.svg', confusionMatrixSvg()],
    ['neural-net.svg', neuralNetSvg()],
    ['activations.png', activationsPng()],
    ['decision-boundary.png', decisionBoundaryPng()],
  ];
  writeFileSync(join(here, 'cover-art.png'), coverPng());
  console.log(`wrote ${join('tools', 'figures', 'cover-art.png')}`);
  for (const [name, content] of outputs) {
    const file = join(outDir, name);
    writeFileSync(file, content);
    const size = typeof content === 'string' ? Buffer.byteLength(content, 'utf8') : content.length;
    console.log(`wrote ${join('manuscript', 'images', name)} (${size} bytes)`);
  }
}

main();

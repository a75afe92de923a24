import { PNG } from 'pngjs';

export interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface ImageDiff {
  /** Pixels that differ by more than the threshold (out of width × height of the larger image). */
  changed: number;
  ratio: number;
  /** Regions around the changed pixels (changed rows grouped into bands, each as wide as its changes). */
  boxes: Box[];
  /** The "after" page faded, changed pixels in red, each region outlined: a PNG file's bytes. */
  png: Buffer;
  /** The compared canvas (the larger of the two images), in pixels. */
  width: number;
  height: number;
}

const THRESHOLD = 48;

function pixel(img: PNG, x: number, y: number): [number, number, number] {
  if (x >= img.width || y >= img.height) return [255, 255, 255];
  const i = (img.width * y + x) << 2;
  const a = img.data[i + 3]! / 255;
  // Composite on white, as a page is.
  return [img.data[i]! * a + 255 * (1 - a), img.data[i + 1]! * a + 255 * (1 - a), img.data[i + 2]! * a + 255 * (1 - a)];
}

/**
 * Compares two renderings of a page pixel by pixel (pngjs; the same idea as
 * pixelmatch without its anti-aliasing detection) and draws where they
 * differ: the new page faded to a light grey, changed pixels in red, and an
 * orange outline around each changed region. Pages of different sizes are
 * compared on the larger canvas, white beyond the smaller.
 */
export function diffImages(
  beforePng: Buffer,
  afterPng: Buffer,
  options: { threshold?: number; gap?: number } = {},
): ImageDiff {
  const before = PNG.sync.read(beforePng);
  const after = PNG.sync.read(afterPng);
  const width = Math.max(before.width, after.width);
  const height = Math.max(before.height, after.height);
  const threshold = options.threshold ?? THRESHOLD;
  const gap = options.gap ?? 6;
  const out = new PNG({ width, height });
  const mask = new Uint8Array(width * height);
  let changed = 0;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const [r1, g1, b1] = pixel(before, x, y);
      const [r2, g2, b2] = pixel(after, x, y);
      const delta = Math.max(Math.abs(r1 - r2), Math.abs(g1 - g2), Math.abs(b1 - b2));
      const o = (width * y + x) << 2;
      if (delta > threshold) {
        mask[width * y + x] = 1;
        changed++;
        out.data[o] = 230;
        out.data[o + 1] = 0;
        out.data[o + 2] = 0;
      } else {
        const grey = (r2 + g2 + b2) / 3;
        const faded = 255 - (255 - grey) * 0.3;
        out.data[o] = out.data[o + 1] = out.data[o + 2] = Math.round(faded);
      }
      out.data[o + 3] = 255;
    }
  }
  const boxes = changedBoxes(mask, width, height, gap);
  for (const box of boxes) outline(out, box, [255, 140, 0]);
  return { changed, ratio: changed / (width * height || 1), boxes, png: PNG.sync.write(out), width, height };
}

/** Rows with changes grouped into bands (gaps up to `gap` rows bridged), each as wide as its changes, padded a little. */
export function changedBoxes(mask: Uint8Array, width: number, height: number, gap: number): Box[] {
  const boxes: Box[] = [];
  let band: { top: number; bottom: number; left: number; right: number } | undefined;
  let quiet = 0;
  const close = () => {
    if (!band) return;
    const pad = 3;
    const x = Math.max(0, band.left - pad);
    const y = Math.max(0, band.top - pad);
    boxes.push({
      x,
      y,
      width: Math.min(width - 1, band.right + pad) - x + 1,
      height: Math.min(height - 1, band.bottom + pad) - y + 1,
    });
    band = undefined;
  };
  for (let y = 0; y < height; y++) {
    let left = -1;
    let right = -1;
    for (let x = 0; x < width; x++) {
      if (mask[width * y + x]) {
        if (left < 0) left = x;
        right = x;
      }
    }
    if (left < 0) {
      if (band && ++quiet > gap) close();
      continue;
    }
    quiet = 0;
    if (!band) {
      band = { top: y, bottom: y, left, right };
    } else {
      band.bottom = y;
      band.left = Math.min(band.left, left);
      band.right = Math.max(band.right, right);
    }
  }
  close();
  return boxes;
}

function outline(img: PNG, box: Box, [r, g, b]: [number, number, number]) {
  const set = (x: number, y: number) => {
    if (x < 0 || y < 0 || x >= img.width || y >= img.height) return;
    const o = (img.width * y + x) << 2;
    img.data[o] = r;
    img.data[o + 1] = g;
    img.data[o + 2] = b;
    img.data[o + 3] = 255;
  };
  for (let t = 0; t < 2; t++) {
    for (let x = box.x - t; x < box.x + box.width + t; x++) {
      set(x, box.y - t);
      set(x, box.y + box.height - 1 + t);
    }
    for (let y = box.y - t; y < box.y + box.height + t; y++) {
      set(box.x - t, y);
      set(box.x + box.width - 1 + t, y);
    }
  }
}

/**
 * Whether two renderings show the same content, allowing for where it sits
 * on the page: each is cropped to its ink between the top and bottom bands
 * (running head, folio) and the crops are compared with a tolerance, so a
 * page that moved from a right to a left page (other margins) still counts as
 * the same.
 */
export function sameContent(
  beforePng: Buffer,
  afterPng: Buffer,
  options: { band?: number; tolerance?: number } = {},
): boolean {
  const a = PNG.sync.read(beforePng);
  const b = PNG.sync.read(afterPng);
  const band = options.band ?? 0.1;
  const crop = (img: PNG) => {
    const top = Math.floor(img.height * band);
    const bottom = Math.ceil(img.height * (1 - band));
    let x0 = img.width;
    let y0 = bottom;
    let x1 = -1;
    let y1 = -1;
    for (let y = top; y < bottom; y++) {
      for (let x = 0; x < img.width; x++) {
        const [r, g, bl] = pixel(img, x, y);
        if (r + g + bl < 600) {
          if (x < x0) x0 = x;
          if (x > x1) x1 = x;
          if (y < y0) y0 = y;
          if (y > y1) y1 = y;
        }
      }
    }
    return x1 < 0 ? undefined : { img, x0, y0, w: x1 - x0 + 1, h: y1 - y0 + 1 };
  };
  const ca = crop(a);
  const cb = crop(b);
  if (!ca || !cb) return !ca && !cb;
  if (Math.abs(ca.w - cb.w) > 2 || Math.abs(ca.h - cb.h) > 2) return false;
  const w = Math.min(ca.w, cb.w);
  const h = Math.min(ca.h, cb.h);
  let bad = 0;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const p = pixel(ca.img, ca.x0 + x, ca.y0 + y);
      const q = pixel(cb.img, cb.x0 + x, cb.y0 + y);
      if (Math.abs(p[0] + p[1] + p[2] - q[0] - q[1] - q[2]) / 3 > 128) bad++;
    }
  }
  return bad / (w * h) < (options.tolerance ?? 0.001);
}

import type { Finding } from './finding.ts';
import type { Finder } from './printed.ts';

export const MIN_DPI = 150;

/** A raster image printed at under `MIN_DPI` at its printed size (poppler's `pdfimages -list`). */
export const imageResolution: Finder = ({ layout, blockOf }) => {
  const out: Finding[] = [];
  for (const image of layout.images) {
    const dpi = Math.min(image.xPpi, image.yPpi);
    if (dpi > 0 && dpi < MIN_DPI) {
      out.push({
        rule: 'print-image-resolution',
        page: image.page,
        block: blockOf(image.page),
        message: `prints a ${image.width}×${image.height} image at ${dpi} dpi (under ${MIN_DPI} dpi at its printed size)`,
      });
    }
  }
  return out;
};

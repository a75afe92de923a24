import type { Element, Root } from 'hast';
import { visitParents } from 'unist-util-visit-parents';
import type { VFile } from 'vfile';
import { report } from '../../util/messages.ts';
import { resolveLocal } from '../../util/paths.ts';

/** Elements whose own `src` a later rule checks (images, media): anything else, or inside them, is checked here. */
const CHECKED_LATER = new Set(['img', 'video', 'audio', 'iframe']);

/** The URLs of a `srcset`: `a.png 1x, b.png 2x` → a.png, b.png. */
export function srcsetUrls(srcset: string): string[] {
  return srcset
    .split(',')
    .map((part) => part.trim().split(/\s+/)[0] ?? '')
    .filter(Boolean);
}

/**
 * Every local `src` and `srcset` in the raw tree, before the sanitizer removes `srcset` and the media rule
 * replaces a `<video>` with its figure: a fallback `<img>` inside `<video>` or `<picture>`, a `<source>`, any
 * `srcset`. A missing file is a `missing-media` warning at its line; remote URLs are never fetched.
 */
/** Options of rehype-source-paths. */
export interface Options {
  /** The folder no `src` or `srcset` may leave (the manuscript); nothing is checked without it. */
  boundary?: string;
}

export default function rehypeSourcePaths(options: Options = {}) {
  return (tree: Root, file: VFile) => {
    if (!options.boundary || !file.path) return;
    visitParents(tree, 'element', (node: Element, ancestors) => {
      const inside = ancestors.some((a) => a.type === 'element' && ['video', 'audio', 'picture'].includes(a.tagName));
      const urls: string[] = [];
      const parent = ancestors[ancestors.length - 1] as Element | undefined;
      // The media rule reports the source it uses: a video's own src, else its first <source>.
      const mediaSource =
        node.tagName === 'source' &&
        parent?.type === 'element' &&
        ['video', 'audio'].includes(parent.tagName) &&
        parent.properties.src === undefined &&
        parent.children.find((c) => c.type === 'element' && c.tagName === 'source' && c.properties.src) === node;
      if (node.properties.src !== undefined && !mediaSource && (inside || !CHECKED_LATER.has(node.tagName)))
        urls.push(String(node.properties.src));
      if (node.properties.srcSet !== undefined) {
        const value = node.properties.srcSet;
        urls.push(...srcsetUrls(Array.isArray(value) ? value.join(',') : String(value)));
      }
      for (const url of urls) {
        if (!url || /^(?:https?:|data:)/i.test(url)) continue;
        const local = resolveLocal(options.boundary!, file.path, url);
        if (!local.ok || !local.exists) {
          report(
            file,
            'warning',
            `\`<${node.tagName}>\` source \`${url}\` not found${local.ok ? '' : `: ${local.reason}`}`,
            node,
            'missing-media',
          );
        }
      }
    });
  };
}

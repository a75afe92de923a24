import type { Element } from 'hast';
import { elementRules, type ElementRule } from './element-rules.ts';
import path from 'node:path';
import type { VFile } from 'vfile';
import { report } from '../../util/messages.ts';
import { resolveLocal } from '../../util/paths.ts';

/** Options of rehype-images. */
export interface Options {
  /** The folder no image path may leave (the manuscript); defaults to the file system's root. */
  boundary?: string;
}

/**
 * The address an image was written with, read back from the source: the
 * sanitizer drops a `file:` or `javascript:` source without a word, and the
 * author should still learn why the image is missing. Used for the message
 * only, never to load anything.
 */
function writtenSource(node: Element, file: VFile): string | undefined {
  const start = node.position?.start.offset;
  const end = node.position?.end.offset;
  if (start === undefined || end === undefined || typeof file.value !== 'string') return undefined;
  const text = file.value.slice(start, end);
  const markdown = /^!\[[^\]]*\]\(\s*(?:<([^>]*)>|(\S+?))(?:\s+["'(][\s\S]*)?\)$/.exec(text);
  if (markdown) return markdown[1] ?? markdown[2];
  const html = /^<img\b[^>]*?\ssrc\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+))/i.exec(text);
  return html ? (html[1] ?? html[2] ?? html[3]) : undefined;
}

/**
 * Local images are resolved inside the manuscript and renamed to their
 * content-addressed place in the outputs; anything remote or outside is an
 * error and never fetched. Images without alt text draw a warning.
 */
export function imagesRule(options: Options = {}): ElementRule {
  return (_tree, file) => {
    const resolve = file.data.chapter?.resolveAsset;
    return {
      enter(node) {
        if (node.tagName !== 'img') return;
        const src = node.properties.src === undefined ? '' : String(node.properties.src);
        if (node.properties.alt === undefined || String(node.properties.alt).trim() === '') {
          report(
            file,
            'warning',
            'Image has no alt text: describe it for readers who cannot see it',
            node,
            'image-alt',
          );
          node.properties.alt = '';
        }
        const placeholder = (text: string) => {
          node.tagName = 'span';
          node.properties = { className: ['missing-image'] };
          node.children = [{ type: 'text', value: text }];
        };
        // Without a known boundary only schemes, absolute and protocol-relative paths can be called outside.
        const outside = (href: string) => {
          const local = resolveLocal(
            options.boundary ?? path.parse(process.cwd()).root,
            path.resolve(file.path || 'input.md'),
            href,
          );
          return local.ok ? undefined : local.reason;
        };
        if (!src) {
          const written = writtenSource(node, file);
          const reason = written ? outside(written) : undefined;
          report(file, 'error', reason ?? 'Image has no source', node, 'broken-image');
          placeholder('[missing image]');
          return;
        }
        if (/^https?:/i.test(src)) {
          report(
            file,
            'error',
            `Remote image \`${src}\` is not fetched during a build: download it into the manuscript and link it by a relative path`,
            node,
            'remote-resource',
          );
          node.properties.src = undefined;
          node.tagName = 'span';
          node.properties.className = ['missing-image'];
          node.children = [{ type: 'text', value: `[${String(node.properties.alt || 'image')}]` }];
          delete node.properties.alt;
          return;
        }
        // Protocol-relative (`//host/x.png`) and absolute paths leave the manuscript, resolver or not.
        const reason = outside(src);
        const result = reason ? { error: reason } : resolve?.(src);
        if (!result) return;
        if ('error' in result) {
          report(file, 'error', result.error, node, 'broken-image');
          placeholder('[missing image]');
          return;
        }
        node.properties.src = result.target;
      },
    };
  };
}

export default function rehypeImages(options: Options = {}) {
  return elementRules([imagesRule(options)]);
}

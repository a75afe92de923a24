import type { Element, ElementContent } from 'hast';
import { elementRules, type ElementRule } from './element-rules.ts';
import { report } from '../../util/messages.ts';
import { resolveLocal } from '../../util/paths.ts';

/** Options of rehype-media. */
export interface Options {
  /** The folder no audio or video path may leave (the manuscript); local files are not resolved without it. */
  boundary?: string;
}

function sourceOf(node: Element): string | undefined {
  if (node.properties.src) return String(node.properties.src);
  const source = node.children.find(
    (c): c is Element => c.type === 'element' && c.tagName === 'source' && Boolean(c.properties.src),
  );
  return source ? String(source.properties.src) : undefined;
}

/**
 * Video, audio and embedded frames cannot print and must not load: each
 * becomes a figure with a link to the media (and the video's poster image
 * when it has one). Nothing is fetched.
 */
export function mediaRule(options: Options = {}): ElementRule {
  return (_tree, file) => ({
    enter(node, index, parent) {
      if (!['video', 'audio', 'iframe'].includes(node.tagName)) return;
      const src = sourceOf(node);
      const kind = node.tagName === 'iframe' ? 'Embedded content' : node.tagName === 'video' ? 'Video' : 'Audio';
      const title = node.properties.title ? String(node.properties.title) : '';
      const children: ElementContent[] = [];
      if (node.tagName === 'video' && node.properties.poster) {
        children.push({
          type: 'element',
          tagName: 'img',
          properties: { src: String(node.properties.poster), alt: title || `${kind} poster` },
          children: [],
          position: node.position,
        });
      }

      // A fallback image inside the element (`<video><img …/></video>`) is what print can show: it stays.
      const fallback = node.children.filter((c): c is Element => c.type === 'element' && c.tagName === 'img');
      children.push(...fallback);
      const remote = src !== undefined && /^https?:/i.test(src);
      const label = `${kind}${title ? `: ${title}` : ''}`;
      const caption: ElementContent[] = remote
        ? [
            { type: 'text', value: `${label} — ` },
            { type: 'element', tagName: 'a', properties: { href: src }, children: [{ type: 'text', value: src }] },
          ]
        : [{ type: 'text', value: `${label}${src ? ` (${src.split('/').pop()}, not included in this edition)` : ''}` }];
      if (!src && fallback.length) {
        report(file, 'info', `${kind} without a source is shown as its fallback image`, node, 'media');
      } else if (!src) {
        report(file, 'warning', `${kind} without a usable source was removed`, node, 'media');
      } else if (!remote && options.boundary && file.path) {
        const local = resolveLocal(options.boundary, file.path, src);
        if (!local.ok || !local.exists) {
          report(
            file,
            'warning',
            `${kind} \`${src}\` not found${local.ok ? '' : `: ${local.reason}`}`,
            node,
            'missing-media',
          );
        } else {
          report(file, 'info', `${kind} \`${src}\` cannot be printed: it is shown as a caption`, node, 'media');
        }
      } else {
        report(file, 'info', `${kind} \`${src}\` cannot be printed: it is shown as a link`, node, 'media');
      }
      children.push({ type: 'element', tagName: 'figcaption', properties: {}, children: caption });
      parent.children[index] = {
        type: 'element',
        tagName: 'figure',
        properties: { className: ['media'] },
        children,
        position: node.position,
      };
    },
  });
}

export default function rehypeMedia(options: Options = {}) {
  return elementRules([mediaRule(options)]);
}

import type { Root, Element } from 'hast';
import { visit } from 'unist-util-visit';
import type { VFile } from 'vfile';
import { report } from '../util/messages.ts';

/**
 * Local images are resolved inside the manuscript and renamed to their
 * content-addressed place in the outputs; anything remote or outside is an
 * error and never fetched. Images without alt text draw a warning.
 */
export default function rehypeImages() {
  return (tree: Root, file: VFile) => {
    const resolve = file.data.chapter?.resolveAsset;
    visit(tree, 'element', (node: Element) => {
      if (node.tagName !== 'img') return;
      const src = node.properties.src === undefined ? '' : String(node.properties.src);
      if (node.properties.alt === undefined || String(node.properties.alt).trim() === '') {
        report(file, 'warning', 'Image has no alt text: describe it for readers who cannot see it', node, 'image-alt');
        node.properties.alt = '';
      }
      if (!src) {
        report(file, 'error', 'Image has no source', node, 'broken-image');
        return;
      }
      if (/^https?:|^\/\//i.test(src)) {
        report(file, 'error', `Remote image \`${src}\` is not fetched during a build: download it into the manuscript and link it by a relative path`, node, 'remote-resource');
        node.properties.src = undefined;
        node.tagName = 'span';
        node.properties.className = ['missing-image'];
        node.children = [{ type: 'text', value: `[${String(node.properties.alt || 'image')}]` }];
        delete node.properties.alt;
        return;
      }
      if (!resolve) return;
      const result = resolve(src);
      if ('error' in result) {
        report(file, 'error', result.error, node, 'broken-image');
        node.tagName = 'span';
        node.properties = { className: ['missing-image'] };
        node.children = [{ type: 'text', value: '[missing image]' }];
        return;
      }
      node.properties.src = result.target;
    });
  };
}

import { createHash } from 'node:crypto';
import type { Element, ElementContent } from 'hast';
import { toString } from 'hast-util-to-string';
import { slug } from '../../util/slug.ts';

/** TeX commands that only lay a formula out: their names say nothing a reader would search or link by. */
const LAYOUT_COMMANDS = new Set([
  'left',
  'right',
  'big',
  'bigg',
  'Big',
  'Bigg',
  'bigl',
  'bigr',
  'Bigl',
  'Bigr',
  'frac',
  'dfrac',
  'tfrac',
  'mathrm',
  'mathbf',
  'mathit',
  'mathcal',
  'mathbb',
  'boldsymbol',
  'text',
  'textrm',
  'textbf',
  'operatorname',
  'displaystyle',
  'quad',
  'qquad',
  'cdot',
  'cdots',
  'ldots',
  'dots',
  'begin',
  'end',
]);

/** The TeX a Temml `<math>` keeps in its annotation, else its text. */
export function texOf(math: Element): string {
  let tex: string | undefined;
  const find = (node: Element) => {
    for (const child of node.children) {
      if (child.type !== 'element') continue;
      if (child.tagName === 'annotation') {
        tex ??= toString(child);
        return;
      }
      find(child);
    }
  };
  find(math);
  return tex ?? toString(math);
}

/** A formula's letters and command names as words: `f(x) = \sigma(Wx)` → `f x sigma Wx`. */
export function texWords(tex: string): string {
  return tex
    .replace(/\\([A-Za-z]+)/g, (_all, name: string) => (LAYOUT_COMMANDS.has(name) ? ' ' : ` ${name} `))
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();
}

/**
 * Text of a question for ids and indexes: nested lists, badges and figures
 * left out. `math` says what a formula becomes: its letters (`letters`, for
 * ids), its TeX (`tex`, for search), or the ellipsis ids used before formulas
 * kept their letters (`legacy`, for alias anchors).
 */
export function questionText(nodes: ElementContent[], math: 'letters' | 'tex' | 'legacy'): string {
  let out = '';
  for (const node of nodes) {
    if (node.type === 'text') out += node.value;
    else if (node.type !== 'element') continue;
    else if (node.tagName === 'math')
      out += math === 'legacy' ? ' … ' : math === 'tex' ? ` ${texOf(node)} ` : ` ${texWords(texOf(node))} `;
    else if (!['ol', 'ul', 'svg', 'div'].includes(node.tagName)) out += questionText(node.children, math);
  }
  return out;
}

/** The id a question's words give: its first eight words, slugged, at most 48 characters. */
export function idFromWords(words: string): string | undefined {
  const made = slug(words.replace(/\s+/g, ' ').trim().split(' ').slice(0, 8).join(' ')).slice(0, 48).replace(/-+$/, '');
  return made ? `q-${made}` : undefined;
}

/**
 * A question's id and the ids it had before formulas kept their letters.
 * Never from its number: numbers change when a question is inserted. A
 * question with no words at all is named by a hash of its content.
 */
export function questionIds(item: Element): { id: string; aliases: string[] } {
  const id = idFromWords(questionText(item.children, 'letters'));
  const legacy = idFromWords(questionText(item.children, 'legacy'));
  const chosen = id ?? legacy ?? `q-${createHash('sha256').update(toString(item)).digest('hex').slice(0, 10)}`;
  return { id: chosen, aliases: legacy && legacy !== chosen ? [legacy] : [] };
}

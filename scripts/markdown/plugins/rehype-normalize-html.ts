import type { Root, Element, Properties } from 'hast';
import { visit } from 'unist-util-visit';

/** Presentational attributes HTML5 dropped; EPUBCheck rejects them. */
const OBSOLETE = [
  'border',
  'cellPadding',
  'cellSpacing',
  'vAlign',
  'bgColor',
  'hSpace',
  'vSpace',
  'clear',
  'compact',
  'noShade',
  'noWrap',
  'axis',
  'char',
  'charOff',
  'frame',
  'rules',
  'summary',
  'color',
  'size',
  'longDesc',
  'abbr',
];
const ALIGNABLE = new Set([
  'p',
  'div',
  'td',
  'th',
  'img',
  'table',
  'h1',
  'h2',
  'h3',
  'h4',
  'h5',
  'h6',
  'figure',
  'tr',
  'caption',
]);
const LENGTH = /^\s*(\d+(\.\d+)?)\s*(%|px)?\s*$/;

function addClass(properties: Properties, name: string) {
  const current = Array.isArray(properties.className) ? properties.className.map(String) : [];
  if (!current.includes(name)) properties.className = [...current, name];
}

/**
 * Sloppy and old HTML made valid XHTML5: `<center>` becomes a centred div,
 * `align` becomes a class, percentage widths a style, orphan `<li>` get a
 * list, obsolete attributes go. Runs on sanitized trees, so it only ever
 * rewrites markup the allow-list already accepted.
 */
export default function rehypeNormalizeHtml() {
  return (tree: Root) => {
    visit(tree, 'element', (node: Element, index, parent) => {
      const props = node.properties;
      if (node.tagName === 'center') {
        node.tagName = 'div';
        addClass(props, 'align-center');
      }
      if (props.align !== undefined) {
        const value = String(props.align).toLowerCase();
        if (ALIGNABLE.has(node.tagName) && ['left', 'right', 'center', 'justify'].includes(value))
          addClass(props, `align-${value}`);
        delete props.align;
      }
      for (const name of OBSOLETE) {
        if (name === 'abbr' && node.tagName !== 'td' && node.tagName !== 'th') continue;
        delete props[name];
      }
      if (node.tagName === 'img' || node.tagName === 'video' || node.tagName === 'iframe') {
        for (const dimension of ['width', 'height'] as const) {
          const value = props[dimension];
          if (value === undefined) continue;
          const match = LENGTH.exec(String(value));
          if (match && match[3] === '%') {
            if (dimension === 'width') props.style = `width: ${match[1]}%`;
            delete props[dimension];
          } else if (match) {
            props[dimension] = String(Math.round(Number(match[1])));
          } else {
            delete props[dimension];
          }
        }
      }
      // MathML written by hand: in XHTML it is MathML only with its namespace.
      if (node.tagName === 'math') props.xmlns = 'http://www.w3.org/1998/Math/MathML';
      if (node.tagName === 'source' && props.src === undefined && parent && index !== undefined) {
        // A <source> whose address the sanitizer removed (a remote `srcset`) is invalid and useless.
        parent.children.splice(index, 1);
        return index;
      }
      if (node.tagName === 'a' && typeof props.href === 'string' && props.href.includes('%')) {
        // A percent-escape that decodes to no text (`#%E0`) would make every later decoder throw: escape its `%`.
        try {
          decodeURIComponent(props.href);
        } catch {
          props.href = props.href.replace(/%/g, '%25');
        }
      }
      if (node.tagName === 'a' && props.name !== undefined) {
        if (props.id === undefined) props.id = String(props.name);
        delete props.name;
      }
      if (
        node.tagName === 'p' &&
        parent &&
        index !== undefined &&
        node.children.every((c) => c.type === 'text' && c.value.trim() === '')
      ) {
        // Paragraphs emptied by the sanitizer (a stripped <meta>, <link>, <script>).
        parent.children.splice(index, 1);
        return index;
      }
      if (node.tagName === 'ol' && props.type !== undefined && !/^[1aAiI]$/.test(String(props.type))) delete props.type;
      if (
        node.tagName === 'li' &&
        parent &&
        parent.type === 'element' &&
        !['ol', 'ul', 'menu'].includes(parent.tagName) &&
        index !== undefined
      ) {
        // Gather this and following sibling <li>s into one list.
        let end = index;
        while (end < parent.children.length) {
          const next = parent.children[end]!;
          if (next.type === 'element' && next.tagName === 'li') end++;
          else if (next.type === 'text' && next.value.trim() === '') end++;
          else break;
        }
        const items = parent.children.splice(index, end - index, {
          type: 'element',
          tagName: 'ul',
          properties: {},
          children: [],
        });
        (parent.children[index] as Element).children = items.filter((c) => c.type === 'element');
      }
    });
  };
}

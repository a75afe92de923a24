import type { Root, RootContent, Parent, Html, PhrasingContent } from 'mdast';
import { fromMarkdown } from 'mdast-util-from-markdown';
import type { VFile } from 'vfile';
import { report } from '../../util/messages.ts';

const OPEN = /^<Listing\b([^>]*)>\s*$/i;
const CLOSE = /^<\/Listing\s*>\s*$/i;

function attributes(source: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of source.matchAll(/([\w-]+)\s*=\s*(?:"([^"]*)"|'([^']*)')/g))
    out[(m[1] ?? '').toLowerCase()] = m[2] ?? m[3] ?? '';
  return out;
}

/** The caption is Markdown in mdBook's listing preprocessor (code spans, emphasis); read as one paragraph. */
function inline(text: string, at: Html): PhrasingContent[] {
  const tree = fromMarkdown(text);
  const first = tree.children[0];
  const nodes = first && first.type === 'paragraph' ? first.children : [{ type: 'text' as const, value: text }];
  const place = (n: { position?: unknown; children?: unknown[] }) => {
    n.position = at.position;
    for (const c of (n.children ?? []) as { position?: unknown; children?: unknown[] }[]) place(c);
  };
  for (const n of nodes) place(n);
  return nodes;
}

/**
 * The Rust book's `<Listing number="2-1" file-name="src/main.rs" caption="…">` … `</Listing>` (its mdBook
 * preprocessor's syntax): a numbered listing figure with the file name above the code and "Listing 2-1: caption"
 * below, as that book's own HTML shows it, with the id `listing-2-1` references link to. An opening tag without
 * its close is a warning, and its content is kept.
 */
export default function remarkListings() {
  return (tree: Root, file: VFile) => {
    const walk = (parent: Parent) => {
      const out: RootContent[] = [];
      const children = parent.children;
      for (let i = 0; i < children.length; i++) {
        const child = children[i]!;
        const open = child.type === 'html' ? OPEN.exec(child.value.trim()) : null;
        if (!open) {
          if ('children' in child) walk(child);
          out.push(child);
          continue;
        }
        const close = children.findIndex((c, j) => j > i && c.type === 'html' && CLOSE.test(c.value.trim()));
        if (close < 0) {
          report(file, 'warning', 'A `<Listing>` without `</Listing>`: its caption is not printed', child, 'listing');
          out.push(...listingLabel(attributes(open[1]!), child as Html));
          continue;
        }
        const attrs = attributes(open[1]!);
        const body = children.slice(i + 1, close);
        const inner = { type: 'root', children: body } as Parent;
        walk(inner);
        const number = attrs.number;
        const properties: Record<string, unknown> = { className: ['listing'] };
        if (number && /^[\w.-]+$/.test(number)) properties.id = `listing-${number}`;
        // A Quarto label (`id="lst-…"`): numbered by passes/crossrefs.ts like a fenced listing's.
        if (!number && attrs.id && /^lst-[\w:.-]*\w$/.test(attrs.id)) properties.id = attrs.id;
        const content: RootContent[] = [];
        if (attrs['file-name']) {
          content.push({
            type: 'paragraph',
            data: { hProperties: { className: ['listing-file'] } },
            position: child.position,
            children: [{ type: 'text', value: `Filename: ${attrs['file-name']}` }],
          });
        }
        content.push(...inner.children);
        const caption = captionText(attrs, child as Html);
        if (caption.length) {
          content.push({
            type: 'galleyBlock',
            data: { hName: 'figcaption', hProperties: {} },
            position: child.position,
            children: caption,
          } as unknown as RootContent);
        }
        out.push({
          type: 'galleyBlock',
          data: { hName: 'figure', hProperties: properties },
          position: { start: child.position!.start, end: children[close]!.position!.end },
          children: content,
        } as unknown as RootContent);
        i = close;
      }
      parent.children = out;
    };
    walk(tree);
  };
}

function captionText(attrs: Record<string, string>, at: Html): PhrasingContent[] {
  const caption = attrs.caption ? inline(attrs.caption, at) : [];
  if (!attrs.number) return caption;
  const label: PhrasingContent = {
    type: 'strong',
    children: [{ type: 'text', value: `Listing ${attrs.number}${caption.length ? ':' : ''}` }],
  };
  return caption.length ? [label, { type: 'text', value: ' ' }, ...caption] : [label];
}

/** An unclosed listing still prints what it says, as a paragraph. */
function listingLabel(attrs: Record<string, string>, at: Html): RootContent[] {
  const caption = captionText(attrs, at);
  return caption.length ? [{ type: 'paragraph', position: at.position, children: caption }] : [];
}

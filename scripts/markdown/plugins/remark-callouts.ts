import type { Root, RootContent, Blockquote, Code, Parent, Paragraph, PhrasingContent } from 'mdast';
import { fromMarkdown } from 'mdast-util-from-markdown';
import { gfm } from 'micromark-extension-gfm';
import { gfmFromMarkdown } from 'mdast-util-gfm';
import type { VFile } from 'vfile';
import { calloutKind } from '../../model/callouts.ts';
import { report } from '../../util/messages.ts';
import { calloutNode } from './callout-node.ts';

/** `[!NOTE]` (GitHub, mdBook 0.5), with an optional title after it (Obsidian's form). */
const ALERT = /^\[!(\w+)\][ \t]*([^\n]*)(?:\n|$)/;
/** A quote that opens with `Note:` or `**Note:**` / `**Note**:`. */
const LEADING_WORD = /^(Note|Tip|Hint|Important|Warning|Caution|Danger)\s*:\s*/i;

/**
 * Callouts from every Markdown dialect into one element (callout-node.ts): GitHub alerts, mdBook-admonish
 * fences and quotes that open with "Note:". HonKit's `{% hint %}` becomes the same element in
 * remark-template-blocks. An alert of an unknown kind stays a quote, with a warning.
 */
export default function remarkCallouts() {
  return (tree: Root, file: VFile) => {
    const walk = (parent: Parent) => {
      parent.children = parent.children.map((child) => {
        if ('children' in child) walk(child);
        if (child.type === 'blockquote') return fromQuote(child, file) ?? child;
        if (child.type === 'code' && child.lang === 'admonish') return fromAdmonish(child, file);
        return child;
      });
    };
    walk(tree);
  };
}

function fromQuote(quote: Blockquote, file: VFile): RootContent | undefined {
  const first = quote.children[0];
  if (first?.type !== 'paragraph') return undefined;
  const head = first.children[0];
  if (head?.type === 'text') {
    const alert = ALERT.exec(head.value);
    if (alert) {
      const kind = calloutKind(alert[1]);
      if (!kind) {
        report(file, 'warning', `Unknown alert kind \`[!${alert[1]}]\`: printed as a quote`, head, 'callout-kind');
        return undefined;
      }
      const title = alert[2]!.trim();
      head.value = head.value.slice(alert[0].length);
      // The line break after `[!NOTE]` leaves a leading break or empty text.
      while (first.children[0] && isBlank(first.children[0])) first.children.shift();
      const rest = first.children.length ? quote.children : quote.children.slice(1);
      return calloutNode(kind, title ? [{ type: 'text', value: title }] : undefined, rest, quote.position);
    }
    const word = LEADING_WORD.exec(head.value);
    if (word) {
      head.value = head.value.slice(word[0].length);
      return calloutNode(
        calloutKind(word[1])!,
        [{ type: 'text', value: cap(word[1]!) }],
        dropEmpty(quote),
        quote.position,
      );
    }
  }
  // `**Note:** text` or `**Note**: text`.
  if (head?.type === 'strong' && head.children.length === 1 && head.children[0]!.type === 'text') {
    const inner = head.children[0].value.trim();
    const next = first.children[1];
    const colonInside = /^(\w+):$/.exec(inner);
    const colonAfter = next?.type === 'text' && /^\s*:/.test(next.value) ? /^(\w+)$/.exec(inner) : null;
    const word = colonInside?.[1] ?? colonAfter?.[1];
    const kind = word && LEADING_WORD.test(`${word}:`) ? calloutKind(word) : undefined;
    if (kind && word) {
      first.children.shift();
      if (colonAfter && next?.type === 'text') next.value = next.value.replace(/^\s*:\s*/, '');
      const lead = first.children[0];
      if (lead?.type === 'text') lead.value = lead.value.replace(/^\s+/, '');
      return calloutNode(kind, [{ type: 'text', value: cap(word) }], dropEmpty(quote), quote.position);
    }
  }
  return undefined;
}

const cap = (word: string) => word[0]!.toUpperCase() + word.slice(1).toLowerCase();

function isBlank(node: PhrasingContent): boolean {
  return node.type === 'break' || (node.type === 'text' && !node.value.trim());
}

function dropEmpty(quote: Blockquote): RootContent[] {
  const first = quote.children[0] as Paragraph;
  while (first.children[0] && isBlank(first.children[0])) first.children.shift();
  return first.children.length ? quote.children : quote.children.slice(1);
}

/**
 * ```` ```admonish warning "Title" ```` (also `title="…"`): the body is Markdown, read here with positions moved
 * to the fence's lines so messages still cite the chapter.
 */
function fromAdmonish(code: Code, file: VFile): RootContent {
  const meta = code.meta ?? '';
  const word = /^\s*([\w-]+)/.exec(meta)?.[1];
  const kind = calloutKind(word) ?? 'note';
  if (word && !calloutKind(word) && !word.includes('='))
    report(file, 'warning', `Unknown admonish kind \`${word}\`: printed as a note`, code, 'callout-kind');

  const quoted = /title\s*=\s*"([^"]*)"/.exec(meta)?.[1] ?? /^\s*[\w-]+\s+"([^"]*)"/.exec(meta)?.[1];
  const body = fromMarkdown(code.value, { extensions: [gfm()], mdastExtensions: [gfmFromMarkdown()] });
  const offset = code.position ? code.position.start.line : 0;
  const shift = (n: { position?: RootContent['position']; children?: unknown[] }) => {
    if (n.position) {
      n.position = {
        start: { ...n.position.start, line: n.position.start.line + offset, offset: undefined },
        end: { ...n.position.end, line: n.position.end.line + offset, offset: undefined },
      };
    }
    for (const c of (n.children ?? []) as { position?: RootContent['position']; children?: unknown[] }[]) shift(c);
  };
  shift(body);
  const title: RootContent[] | undefined = quoted === undefined ? undefined : [{ type: 'text', value: quoted }];
  // `title=""` hides the title line in mdBook-admonish; the label still names the kind.
  return calloutNode(kind, quoted === '' ? undefined : title, body.children, code.position);
}

import path from 'node:path';
import type { Root, RootContent, Parent, Html } from 'mdast';
import { fromMarkdown } from 'mdast-util-from-markdown';
import { gfm } from 'micromark-extension-gfm';
import { gfmFromMarkdown } from 'mdast-util-gfm';
import { math } from '../../util/math-syntax.ts';
import { mathFromMarkdown } from 'mdast-util-math';
import type { VFile } from 'vfile';
import { report } from '../../util/messages.ts';
import { resolveLocal } from '../../util/paths.ts';
import { markTemplateTags } from '../../model/dialects/template-tags.ts';
import { readIncluded } from '../../model/book/included.ts';
import { own } from '../../util/own.ts';
import { calloutKind } from '../../model/callouts.ts';
import { calloutNode } from './callout-node.ts';

interface Tag {
  name: string;
  args: Record<string, string>;
  /** The first quoted argument (`{% include "file.md" %}`). */
  value?: string;
  node: Html;
}

const MARKER = /<!--galley:([\s\S]*?)-->/g;

function parseTags(node: Html): Tag[] | undefined {
  const value = node.value.trim();
  if (!/^(<!--galley:[\s\S]*?-->\s*)+$/.test(value)) return undefined;
  return [...value.matchAll(MARKER)].map((m) => {
    const body = (m[1] ?? '').trim();
    const name = /^[\w-]+/.exec(body)?.[0] ?? '';
    const args: Record<string, string> = Object.create(null) as Record<string, string>;
    for (const a of body.matchAll(/([\w-]+)\s*=\s*("([^"]*)"|'([^']*)'|(\S+))/g))
      args[a[1]!] = a[3] ?? a[4] ?? a[5] ?? '';
    const quoted = /^[\w-]+\s+("([^"]*)"|'([^']*)')/.exec(body);
    return { name, args, value: quoted ? (quoted[2] ?? quoted[3]) : undefined, node };
  });
}

const el = (
  name: string,
  className: string[],
  children: RootContent[],
  extra: Record<string, string> = {},
): RootContent =>
  ({
    type: 'galleyBlock',
    data: { hName: name, hProperties: { className, ...extra } },
    children,
  }) as unknown as RootContent;

const caption = (text: string): RootContent => ({
  type: 'paragraph',
  data: { hProperties: { className: ['tab-caption'] } },
  children: [{ type: 'strong', children: [{ type: 'text', value: text }] }],
});

const KNOWN = new Set([
  'method',
  'endmethod',
  'sample',
  'common',
  'hint',
  'endhint',
  'include',
  'references',
  'endreferences',
  'raw',
  'endraw',
]);
const MAX_INCLUDE_DEPTH = 5;

/** `languageNames`: names for `lang="…"` codes in tab captions (HonKit's api-language-selector). */
export interface Options {
  /** Names of the book's languages by code, for HonKit's language-switch blocks. */
  languageNames?: Record<string, string>;
  /** The folder no `{% include %}` may leave (the manuscript); defaults to the chapter's own folder. */
  boundary?: string;
  /** Read `{% … %}` tags at all: HonKit and GitBook books only. */
  templateTags?: boolean;
}
/** The former name of `Options`. */
export type TemplateOptions = Options;

/**
 * HonKit/GitBook template blocks, from the markers template-tags.ts left:
 * `method`/`sample`/`common` tab blocks become their tabs one after another
 * with the language as a caption, `hint` a note, `include` the included
 * Markdown, `references` the place of the bibliography. An unknown tag is a
 * warning at its line, and its body is kept.
 */
export default function remarkTemplateBlocks(options: Options = {}) {
  return (tree: Root, file: VFile) => {
    // Elsewhere an author's `<!--galley:…-->` comment is a comment like any other.
    if (!options.templateTags) return;
    const names = options.languageNames ?? {};
    const boundary = options.boundary ?? (file.path ? path.dirname(file.path) : process.cwd());
    const walk = (parent: Parent, depth: number) => {
      const out: RootContent[] = [];
      // Open containers: where the next node goes.
      const stack: { kind: string; node: Parent }[] = [];
      const push = (node: RootContent) =>
        stack.length ? stack[stack.length - 1]!.node.children.push(node) : out.push(node);
      for (const child of parent.children) {
        const tags = child.type === 'html' ? parseTags(child) : undefined;
        if (!tags) {
          if ('children' in child && child.type !== 'paragraph' && child.type !== 'heading' && child.type !== 'table')
            walk(child, depth);
          push(child);
          continue;
        }
        for (const tag of tags) {
          switch (tag.name) {
            case 'method': {
              const node = el('div', ['tabs'], []) as unknown as Parent;
              push(node as unknown as RootContent);
              stack.push({ kind: 'method', node });
              break;
            }
            case 'sample':
            case 'common': {
              while (stack.length && stack[stack.length - 1]!.kind === 'tab') stack.pop();
              const lang = tag.args.lang ?? '';
              const label = tag.name === 'common' ? 'All languages' : (own(names, lang) ?? (lang || 'Sample'));
              const node = el(
                'section',
                ['tab'],
                [caption(label)],
                lang ? { dataLang: lang } : {},
              ) as unknown as Parent;
              push(node as unknown as RootContent);
              stack.push({ kind: 'tab', node });
              break;
            }
            case 'endmethod':
              while (stack.length && stack[stack.length - 1]!.kind === 'tab') stack.pop();
              if (stack.length && stack[stack.length - 1]!.kind === 'method') stack.pop();
              break;
            case 'hint': {
              // The one callout model (callout-node.ts); HonKit's styles are info, tip, success, warning, danger.
              const kind = calloutKind(tag.args.style) ?? 'note';
              const node = calloutNode(kind, undefined, [], tag.node.position) as unknown as Parent;
              push(node as unknown as RootContent);
              stack.push({ kind: 'hint', node });
              break;
            }
            case 'endhint':
              while (stack.length && stack[stack.length - 1]!.kind !== 'hint') stack.pop();
              stack.pop();
              break;
            case 'references':
              push({
                type: 'galleyReferences',
                data: { hName: 'div', hProperties: { className: ['references-here'] } },
                children: [],
              } as unknown as RootContent);
              break;
            case 'include': {
              const target = tag.value ?? tag.args.file;
              if (!target || depth >= MAX_INCLUDE_DEPTH) {
                report(
                  file,
                  'warning',
                  target
                    ? `Includes nested more than ${MAX_INCLUDE_DEPTH} deep: not included`
                    : 'Include without a file name',
                  tag.node,
                  'include',
                );
                break;
              }
              const resolved = resolveLocal(boundary, file.path, target);
              if (!resolved.ok || !resolved.exists) {
                report(
                  file,
                  // A secret or a FIFO behind a plain name is an error, not a missing file.
                  !resolved.ok && resolved.severe ? 'error' : 'warning',
                  resolved.ok
                    ? `Included file \`${target}\` ${resolved.folder ? 'is a folder, not a file' : 'not found'}`
                    : `Include ${resolved.reason}`,
                  tag.node,
                  'include',
                );
                break;
              }
              const source = readIncluded(resolved.absolute, file, tag.node, `Included file \`${target}\``);
              if (source === undefined) break;
              const text = markTemplateTags(source);
              const included = fromMarkdown(text, {
                extensions: [gfm(), math({ singleDollarTextMath: false })],
                mdastExtensions: [gfmFromMarkdown(), mathFromMarkdown()],
              });
              // Positions would name the wrong file: the include line stands for all of it.
              const strip = (n: { position?: unknown; children?: unknown[] }) => {
                n.position = tag.node.position;
                for (const c of (n.children ?? []) as { position?: unknown; children?: unknown[] }[]) strip(c);
              };
              strip(included);
              walk(included, depth + 1);
              for (const node of included.children) push(node);
              break;
            }
            case 'raw':
            case 'endraw':
              break;
            default:
              if (!KNOWN.has(tag.name)) {
                report(
                  file,
                  'warning',
                  `Unknown template tag \`{% ${tag.name} %}\`: the tag is dropped and its body kept`,
                  tag.node,
                  'template-tag',
                );
              }
          }
        }
      }
      parent.children = out;
    };
    walk(tree, 0);
  };
}

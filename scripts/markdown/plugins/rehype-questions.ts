import type { Element, ElementContent, Text } from 'hast';
import { elementRules, SKIP, type ElementRule } from './element-rules.ts';
import type { Difficulty } from '../../model/book/types.ts';
import type { CollectedQuestion } from './types.ts';
import { questionIds, questionText } from './question-ids.ts';
import { labels } from '../../util/labels.ts';
import { toString } from 'hast-util-to-string';
import { authorNumber } from '../../model/book/numbering.ts';

const TAG = /^\s*\[(E|M|H)\]\s+/;
const CUSTOM_ID = /\s*\{#([A-Za-z][\w:.-]*)\}\s*$/;
/** Class names stay English whatever the language; the words shown come from labels. */
export const DIFFICULTY_KEYS: Record<Difficulty, string> = { E: 'easy', M: 'medium', H: 'hard' };

function firstText(node: Element): Text | undefined {
  for (const child of node.children) {
    if (child.type === 'text' && child.value.trim() === '') continue;
    if (child.type === 'text') return child;
    if (child.type === 'element' && child.tagName === 'p') return firstText(child);
    return undefined;
  }
  return undefined;
}

/** The question's last text before any nested list, where a `{#id}` would be written. */
function lastText(node: Element): Text | undefined {
  const holder = node.children.find((c): c is Element => c.type === 'element' && c.tagName === 'p') ?? node;
  for (let i = holder.children.length - 1; i >= 0; i--) {
    const child = holder.children[i]!;
    if (child.type === 'text' && child.value.trim() === '') continue;
    if (child.type === 'element' && ['ol', 'ul'].includes(child.tagName)) continue;
    return child.type === 'text' ? child : undefined;
  }
  return undefined;
}

/**
 * A list item opening with `[E]`, `[M]` or `[H]` is a question: it gets a
 * stable id (`{#id}` at its end, else a slug of its words), a number from the
 * chapter's TOC number and section (`5.2.3`, sub-questions `5.2.3.1`), and an
 * accessible badge that names the difficulty in words, not by colour alone.
 * When the author numbers the book ("5.1.3 Dimensionality reduction"), a
 * question continues the number of the heading it is under (`5.1.3.1`).
 */
export function questionsRule(): ElementRule {
  return (_tree, file) => {
    const chapterNumber = file.data.chapter?.number;
    const names = labels(file.data.chapter?.language ?? 'en');
    const questions: CollectedQuestion[] = [];
    const usedIds = new Set<string>();
    const counters = new Map<string, number>();
    let section = 0;
    const authorNumbers = (file.data.chapter?.numbering ?? 'galley') !== 'galley';
    /** Headings open at this point, innermost last; the number each carries is read when first asked for. */
    const open: { depth: number; heading: Element; number?: string | null }[] = [];
    const numberOf = (h: (typeof open)[number]) =>
      h.number === undefined ? (h.number = authorNumber(toString(h.heading)) ?? null) : h.number;
    const authorPrefix = () =>
      [...open].reverse().find((h) => numberOf(h))?.number ?? file.data.chapter?.authorNumber ?? '';

    const visitList = (list: Element, prefix: string) => {
      for (const item of list.children) {
        if (item.type !== 'element' || item.tagName !== 'li') continue;
        const text = firstText(item);
        const match = text && TAG.exec(text.value);
        let childPrefix = prefix;
        if (text && match) {
          const difficulty = match[1] as Difficulty;
          text.value = text.value.slice(match[0].length);
          const end = lastText(item);
          const custom = end && CUSTOM_ID.exec(end.value);
          if (end && custom) end.value = end.value.slice(0, custom.index);
          const n = (counters.get(prefix) ?? 0) + 1;
          counters.set(prefix, n);
          const number = prefix ? `${prefix}.${n}` : String(n);
          const words = questionText(item.children, 'tex').replace(/\s+/g, ' ').trim();
          const made = questionIds(item);
          let id = custom ? custom[1]! : made.id;
          const base = id;
          for (let k = 1; usedIds.has(id); k++) id = `${base}-${k}`;
          usedIds.add(id);
          // Saved links and errata locations written against an older id still land here.
          const aliases = custom
            ? []
            : made.aliases
                .map((a) => (id === base ? a : `${a}${id.slice(base.length)}`))
                .filter((a) => a !== id && !usedIds.has(a));
          for (const alias of aliases) usedIds.add(alias);
          const name = names.difficulty[difficulty];
          const badge: ElementContent[] = [
            {
              type: 'element',
              tagName: 'span',
              properties: { className: ['q-number'] },
              children: [{ type: 'text', value: number }],
            },
            { type: 'text', value: ' ' },
            {
              type: 'element',
              tagName: 'span',
              properties: {
                className: ['badge', `badge-${difficulty.toLowerCase()}`],
                role: 'img',
                ariaLabel: `${names.difficultyLabel}: ${name}`,
                title: name,
              },
              children: [{ type: 'text', value: difficulty }],
            },
            { type: 'text', value: ' ' },
          ];
          const holder = item.children.find((c): c is Element => c.type === 'element' && c.tagName === 'p') ?? item;
          const at = holder.children.indexOf(text);
          holder.children.splice(
            at,
            0,
            ...aliases.map((alias): ElementContent => ({
              type: 'element',
              tagName: 'span',
              properties: { id: alias, className: ['q-alias'] },
              children: [],
            })),
            ...badge,
          );
          item.properties = {
            ...item.properties,
            id,
            className: ['question', `difficulty-${DIFFICULTY_KEYS[difficulty]}`],
          };
          list.properties = {
            ...list.properties,
            className: [...new Set([...((list.properties.className as string[]) ?? []), 'questions'])],
          };
          questions.push({ id, number, difficulty, text: words, ...(aliases.length ? { aliases } : {}) });
          childPrefix = number;
        }
        for (const child of item.children) {
          if (child.type === 'element' && (child.tagName === 'ol' || child.tagName === 'ul'))
            visitList(child, childPrefix);
        }
      }
    };

    // The walk questions always made: lists (each handled whole, nested lists included) and headings anywhere but
    // inside lists, code, formulas, SVG and tables. A list is read once it is finished, formulas and all.
    return {
      enter(node) {
        if (node.tagName === 'h2') section++;
        const level = /^h([1-6])$/.exec(node.tagName);
        if (level) {
          const depth = Number(level[1]);
          while (open.length > 0 && open[open.length - 1]!.depth >= depth) open.pop();
          open.push({ depth, heading: node });
        }
        if (['ol', 'ul', 'pre', 'code', 'math', 'svg', 'table'].includes(node.tagName)) return SKIP;
      },
      leave(node) {
        if (node.tagName !== 'ol' && node.tagName !== 'ul') return;
        const prefix = authorNumbers
          ? authorPrefix()
          : [chapterNumber, section > 0 ? String(section) : undefined].filter(Boolean).join('.');
        visitList(node, prefix);
      },
      finish() {
        file.data.questions = questions;
      },
    };
  };
}

export default function rehypeQuestions() {
  return elementRules([questionsRule()]);
}

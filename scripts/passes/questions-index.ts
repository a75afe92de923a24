import type { Element, ElementContent } from 'hast';
import type { LoadedBook } from '../model/book/load.ts';
import type { Chapter, Difficulty, Question } from '../model/book/types.ts';

export const isQuestionsIndex = (chapter: Chapter) => chapter.frontmatter.generate === 'questions';
import { labels } from '../util/labels.ts';
import { localDigits } from '../model/numerals.ts';
import { DIFFICULTY_KEYS } from '../markdown/plugins/rehype-questions.ts';
import { PAGE_REF_CLASS, BARE_PAGE_REF_CLASS } from './errata/appendix.ts';
import { questionContent, linkBack, entryId, numberId, isLinkedBack, idLookup } from './question-content.ts';

/**
 * Book pass: a chapter whose front matter says `generate: questions` gets
 * every question of the book listed by difficulty, each linking back.
 */
/** What the index shows of one question: whether its number links back, and its words. */
export interface QuestionPart {
  linked: boolean;
  content: ElementContent[];
}

export function buildQuestionsIndex(
  book: LoadedBook,
  chapters: Chapter[] = book.chapters,
  /** What is known of a question without its chapter's tree (the page cache), if anything. */
  known?: (q: Question) => QuestionPart | undefined,
) {
  const words = labels(book.config.language);
  const find = idLookup();
  const all = book.chapters.flatMap((c) => c.questions);
  for (const chapter of chapters) {
    if (!isQuestionsIndex(chapter) || !chapter.tree) continue;
    const sections: ElementContent[] = [];
    for (const difficulty of ['E', 'M', 'H'] as Difficulty[]) {
      const items = all.filter((q) => q.difficulty === difficulty);
      if (items.length === 0) continue;
      const name = words.difficulty[difficulty];
      const id = `difficulty-${DIFFICULTY_KEYS[difficulty]}`;
      const list: Element = {
        type: 'element',
        tagName: 'ul',
        properties: { className: ['question-index'] },
        children: items.map((q) => {
          const part = known?.(q);
          const linked =
            part?.linked ??
            linkBack(
              q.chapter,
              q.id,
              chapter === q.chapter ? `#${entryId(q.id)}` : `${chapter.outName}#${entryId(q.id)}`,
              words.questionsByDifficulty,
              find,
            );
          const anchor = linked ? numberId(q.id) : q.id;
          const target = q.chapter === chapter ? `#${anchor}` : `${q.chapter.outName}#${anchor}`;
          chapter.ids.add(entryId(q.id));
          return {
            type: 'element',
            tagName: 'li',
            properties: { id: entryId(q.id) },
            children: [
              {
                type: 'element',
                tagName: 'a',
                properties: { href: target },
                children: [
                  {
                    type: 'element',
                    tagName: 'span',
                    properties: { className: ['q-number'] },
                    children: [{ type: 'text', value: q.number }],
                  },
                  { type: 'text', value: ' ' },
                  {
                    type: 'element',
                    tagName: 'span',
                    properties: { className: ['q-text'] },
                    children: part ? structuredClone(part.content) : questionContent(q.chapter, q.id, q.text, find),
                  },
                  // The PDF prints the question's page here, from the same measurement as the contents' page numbers.
                  {
                    type: 'element',
                    tagName: 'span',
                    properties: { className: [PAGE_REF_CLASS, BARE_PAGE_REF_CLASS] },
                    children: [],
                  },
                ],
              },
            ],
          } satisfies Element;
        }),
      };
      sections.push({
        type: 'element',
        tagName: 'section',
        properties: { className: ['difficulty-group'], ariaLabelledBy: [id] },
        children: [
          {
            type: 'element',
            tagName: 'h2',
            properties: { id },
            children: [{ type: 'text', value: `${name} (${localDigits(items.length, book.config)})` }],
          },
          list,
        ],
      });
      chapter.headings.push({ id, depth: 2, text: `${name} (${localDigits(items.length, book.config)})` });
      chapter.ids.add(id);
    }
    chapter.tree.children.push(...sections);
  }
}

/**
 * The link from each question of `chapters` to its entry in the book's first
 * questions index, exactly as `buildQuestionsIndex` makes it: for chapters
 * whose pages are made again while the index's page comes from the page
 * cache (passes/pipeline.ts), so the index itself is not rebuilt.
 */
export function linkQuestionsBack(book: LoadedBook, chapters: Chapter[]) {
  const index = book.chapters.find(isQuestionsIndex);
  if (!index) return;
  const words = labels(book.config.language);
  const find = idLookup();
  for (const chapter of chapters) {
    for (const q of chapter.questions) {
      const href = index === chapter ? `#${entryId(q.id)}` : `${index.outName}#${entryId(q.id)}`;
      linkBack(chapter, q.id, href, words.questionsByDifficulty, find);
    }
  }
}

/** What the index shows of each question of `chapter`, for the page cache to keep (after the link-backs were made). */
export function questionParts(chapter: Chapter): Record<string, QuestionPart> {
  const parts: Record<string, QuestionPart> = {};
  const find = idLookup();
  for (const q of chapter.questions) {
    parts[q.id] = {
      linked: isLinkedBack(chapter, q.id, find),
      content: questionContent(chapter, q.id, q.text, find),
    };
  }
  return parts;
}

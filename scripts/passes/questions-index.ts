import type { Element, ElementContent } from 'hast';
import type { LoadedBook } from '../book/load.ts';
import type { Chapter, Difficulty } from '../book/types.ts';

export const isQuestionsIndex = (chapter: Chapter) => chapter.frontmatter.generate === 'questions';
import { labels } from '../util/labels.ts';
import { DIFFICULTY_KEYS } from '../plugins/rehype-questions.ts';

/**
 * Book pass: a chapter whose front matter says `generate: questions` gets
 * every question of the book listed by difficulty, each linking back.
 */
export function buildQuestionsIndex(book: LoadedBook, chapters: Chapter[] = book.chapters) {
  const words = labels(book.config.language);
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
        children: items.map((q) => ({
          type: 'element',
          tagName: 'li',
          properties: {},
          children: [
            {
              type: 'element',
              tagName: 'a',
              properties: { href: q.chapter === chapter ? `#${q.id}` : `${q.chapter.outName}#${q.id}` },
              children: [{ type: 'element', tagName: 'span', properties: { className: ['q-number'] }, children: [{ type: 'text', value: q.number }] }, { type: 'text', value: ` ${q.text}` }],
            },
          ],
        })),
      };
      sections.push({
        type: 'element',
        tagName: 'section',
        properties: { className: ['difficulty-group'], ariaLabelledBy: [id] },
        children: [
          { type: 'element', tagName: 'h2', properties: { id }, children: [{ type: 'text', value: `${name} (${items.length})` }] },
          list,
        ],
      });
      chapter.headings.push({ id, depth: 2, text: `${name} (${items.length})` });
      chapter.ids.add(id);
    }
    chapter.tree.children.push(...sections);
  }
}

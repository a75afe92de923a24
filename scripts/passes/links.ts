import path from 'node:path';
import type { Element } from 'hast';
import { visit } from 'unist-util-visit';
import { nearest } from '../util/suggest.ts';
import type { LoadedBook } from '../model/book/load.ts';
import type { Chapter } from '../model/book/types.ts';
import { report } from '../util/messages.ts';
import { existsWithExactCase, safeDecode, isRemote, resolveLocal, toPosix } from '../util/paths.ts';

const isCrossref = (node: Element) =>
  Array.isArray(node.properties.className) && node.properties.className.some((c) => c === 'xref' || c === 'citation');

function suggestion(wanted: string, candidates: Iterable<string>): string {
  const best = nearest(wanted, candidates);
  return best ? ` Did you mean \`#${best}\`?` : '';
}

/** Finds the chapter a local path means: the `.md` itself, an mdBook `.html` name, or a folder's README/index. */
export function chapterFor(
  book: LoadedBook,
  relative: string,
  bySource = new Map(book.chapters.map((c) => [c.source, c])),
): Chapter | undefined {
  const candidates = [
    relative,
    relative.replace(/\.html?$/i, '.md'),
    `${relative}/README.md`,
    `${relative}/index.md`,
    relative.replace(/\/$/, '') + '/README.md',
  ];
  for (const candidate of candidates) {
    const found = bySource.get(path.posix.normalize(candidate));
    if (found) return found;
  }
  return undefined;
}

/**
 * Book pass: links between chapters point at wherever the target chapter
 * lands (`<key>.xhtml#id`), anchors are checked against the ids the target
 * really has, and broken ones are reported at their Markdown position with a
 * suggestion for near misses.
 */
export function resolveLinks(book: LoadedBook, chapters: Chapter[] = book.chapters) {
  const bySource = new Map(book.chapters.map((c) => [c.source, c]));
  for (const chapter of chapters) {
    if (!chapter.tree) continue;
    visit(chapter.tree, 'element', (node: Element) => {
      if (node.tagName !== 'a' || node.properties.href === undefined) return;
      // Cross-references and citations are the crossrefs pass's to resolve and check (passes/crossrefs.ts).
      if (isCrossref(node)) return;
      const href = String(node.properties.href);
      if (isRemote(href) || href === '') return;
      const hashAt = href.indexOf('#');
      const pathPart = hashAt < 0 ? href : href.slice(0, hashAt);
      const anchor = hashAt < 0 ? '' : safeDecode(href.slice(hashAt + 1));
      let target: Chapter | undefined = chapter;
      if (pathPart) {
        const resolved = resolveLocal(book.boundary, chapter.file.path, pathPart);
        if (!resolved.ok) {
          report(chapter.file, 'error', `Link ${resolved.reason}`, node, 'broken-link');
          delete node.properties.href;
          return;
        }
        const fromRoot = toPosix(path.relative(book.root, resolved.absolute));
        target = chapterFor(book, fromRoot, bySource);
        if (!target) {
          if (resolved.exists) {
            const exact = existsWithExactCase(book.boundary, resolved.relative);
            // The file is there, so the link is not broken; it just has nowhere to go in an EPUB or PDF.
            if (exact.ok) {
              report(
                chapter.file,
                'info',
                `Link to \`${pathPart}\`, a file that is not a chapter: it is printed as text`,
                node,
                'link-outside-book',
              );
            } else {
              report(
                chapter.file,
                'error',
                `Link to \`${pathPart}\` differs in case from the file on disk \`${exact.actual}\``,
                node,
                'broken-link',
              );
            }
          } else {
            // A link never means its own file: a suggestion to link to itself helps nobody.
            const chapterNames = book.chapters
              .filter((c) => c !== chapter)
              .map((c) => path.posix.relative(path.posix.dirname(chapter.source), c.source));
            const best = nearest(pathPart, chapterNames);
            report(
              chapter.file,
              'error',
              `Link to \`${pathPart}\`, which does not exist.${best ? ` Did you mean \`${best}\`?` : ''}`,
              node,
              'broken-link',
            );
          }
          delete node.properties.href;
          return;
        }
      }
      if (anchor && !target.ids.has(anchor)) {
        report(
          chapter.file,
          'error',
          `Link to \`${pathPart ? `${target.source}#${anchor}` : `#${anchor}`}\`: no heading or anchor \`${anchor}\` there.${suggestion(anchor, target.ids)}`,
          node,
          'broken-link',
        );
      }

      node.properties.href =
        target === chapter && anchor ? `#${anchor}` : `${target.outName}${anchor ? `#${anchor}` : ''}`;
    });
  }
}

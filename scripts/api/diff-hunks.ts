import type { ChapterDiff, Hunk } from './diff-types.ts';

/** Letters and digits only, lower-cased: how pdftotext's lines, hyphenation and spacing stop mattering. */
export function letters(text: string): string {
  return text
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, '');
}

/** Stretches of a hunk's text that, found on a page, place the hunk there: the change with some words around it. */
function probes(hunk: Hunk): { side: 'before' | 'after'; text: string }[] {
  const out: { side: 'before' | 'after'; text: string }[] = [];
  const ends = (side: 'before' | 'after', text: string) => {
    const flat = letters(text);
    if (flat.length === 0) return;
    if (flat.length <= 48) out.push({ side, text: flat });
    else out.push({ side, text: flat.slice(0, 40) }, { side, text: flat.slice(-40) });
  };
  if (hunk.kind === 'added') {
    ends('after', hunk.after);
  } else if (hunk.kind === 'removed') {
    ends('before', hunk.before);
  } else {
    // Each change with up to 24 letters of unchanged text either side, on the side where it prints.
    hunk.parts.forEach((part, i) => {
      if (part.kind === 'same') return;
      const side = part.kind === 'added' ? 'after' : 'before';
      const kept = (from: number, step: number) => {
        let text = '';
        for (let j = from; j >= 0 && j < hunk.parts.length; j += step) {
          const other = hunk.parts[j]!;
          if (other.kind === 'same' || (other.kind === 'added') === (side === 'after'))
            text = step < 0 ? other.text + text : text + other.text;
        }
        return letters(text);
      };
      const core = letters(part.text);
      if (!core) return;
      out.push({ side, text: kept(i - 1, -1).slice(-24) + core + kept(i + 1, 1).slice(0, 24) });
      // A long change alone, in case the page breaks inside its context.
      if (core.length >= 12) out.push({ side, text: core });
    });
  }
  return out;
}

/**
 * The text changes a changed page shows: every hunk of the text diff some
 * stretch of which (the change and the words around it) is in the page's
 * text before or after, as pdftotext read it.
 */
export function hunksOnPage(chapters: ChapterDiff[], page: { before?: string; after?: string }): Hunk[] {
  const text = { before: letters(page.before ?? ''), after: letters(page.after ?? '') };
  const found: Hunk[] = [];
  for (const chapter of chapters) {
    for (const section of chapter.sections) {
      for (const hunk of section.hunks) {
        if (probes(hunk).some((probe) => probe.text.length >= 4 && text[probe.side].includes(probe.text)))
          found.push(hunk);
      }
    }
  }
  return found;
}

import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { firstHeading } from '../book/first-heading.ts';
import { MAX_CHAPTER_BYTES } from '../book/limits.ts';
import { existsWithExactCase, linksOutside, toPosix } from '../../util/paths.ts';
import { checkBookFile } from '../../util/book-file.ts';

/**
 * The title HonKit gives a book whose configuration names none: the first
 * heading of its README. Without one, the folder's name, as before.
 */
export async function guessTitle(contentRoot: string, configRoot: string): Promise<{ title: string; from: string }> {
  for (const name of ['README.md', 'readme.md', 'Readme.md']) {
    const file = path.join(contentRoot, name);
    if (!existsWithExactCase(contentRoot, name).ok || linksOutside(configRoot, file)) continue;
    const checked = checkBookFile(configRoot, file);
    if (!checked.ok) continue;
    const bytes = await readFile(checked.real).catch(() => undefined);
    if (!bytes || bytes.length > MAX_CHAPTER_BYTES) continue;
    const heading = firstHeading(bytes.toString('utf8'));
    if (heading?.text)
      return { title: heading.text, from: `${toPosix(path.relative(configRoot, file))}'s first heading` };
  }
  return { title: path.basename(configRoot), from: 'the folder name' };
}

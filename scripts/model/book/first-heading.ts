import { fromMarkdown } from 'mdast-util-from-markdown';
import { toString } from 'mdast-util-to-string';

export interface FirstHeading {
  depth: number;
  text: string;
}

/**
 * The first heading of a Markdown source (ATX or setext, outside code
 * fences and front matter), as plain text: read line by line, so a long
 * chapter is not parsed whole just to find its title.
 */
export function firstHeading(source: string): FirstHeading | undefined {
  const lines = source.replace(/^\uFEFF/, '').split(/\r\n?|\n/);
  let i = 0;
  if (/^---\s*$/.test(lines[0] ?? '')) {
    const end = lines.findIndex((line, n) => n > 0 && /^(---|\.\.\.)\s*$/.test(line));
    if (end > 0) i = end + 1;
  }
  let fence: string | undefined;
  let previous = '';
  for (; i < lines.length; i++) {
    const line = lines[i]!;
    const open = /^ {0,3}(`{3,}|~{3,})/.exec(line);
    if (fence) {
      if (open && open[1]![0] === fence[0] && open[1]!.length >= fence.length && /^ {0,3}[`~]+\s*$/.test(line))
        fence = undefined;
      previous = '';
      continue;
    }
    if (open) {
      fence = open[1];
      previous = '';
      continue;
    }
    const atx = /^ {0,3}(#{1,6})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$/.exec(line);
    if (atx) return { depth: atx[1]!.length, text: plain(atx[2] ?? '') };
    const setext = /^ {0,3}(=+|-+)[ \t]*$/.exec(line);
    if (setext && previous.trim() && !/^ {0,3}([-*+]|\d+[.)])\s/.test(previous) && !/^ {4}/.test(previous))
      return { depth: setext[1]![0] === '=' ? 1 : 2, text: plain(previous.trim()) };

    previous = line;
  }
  return undefined;
}

/** Heading text without its Markdown (`**Title** {#id}` → `Title`). */
function plain(markdown: string): string {
  const text = markdown.replace(/\s*\{#[^}]*\}\s*$/, '');
  // Parsed as a heading, so `1. Introduction` stays a title and does not become a list.
  return toString(fromMarkdown(`# ${text}`))
    .replace(/\s+/g, ' ')
    .trim();
}

/**
 * GitBook/HonKit template tags (`{% method %}`, `{% sample lang="c" %}`,
 * `{% hint style="info" %}`, `{% include "x.md" %}`…) standing on lines of
 * their own become HTML comments that carry them (`<!--galley:sample
 * lang="c"-->`), one line for one line, so every later position still names
 * the right source line. CommonMark lets such a comment interrupt a
 * paragraph, so each tag ends up as its own node for remark-template-blocks.
 * Fenced code is left alone.
 */
export function markTemplateTags(text: string): string {
  if (!text.includes('{%')) return text;
  const lines = text.split('\n');
  let fence: string | undefined;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const opener = /^\s{0,3}(`{3,}|~{3,})/.exec(line);
    if (fence) {
      if (opener && opener[1]![0] === fence[0] && opener[1]!.length >= fence.length && line.trim() === opener[1])
        fence = undefined;
      continue;
    }
    if (opener) {
      fence = opener[1];
      continue;
    }
    const trimmed = line.trim();
    if (!/^(\{%-?[\s\S]*?-?%\}\s*)+$/.test(trimmed)) continue;
    const indent = /^\s*/.exec(line)![0];
    const tags = [...trimmed.matchAll(/\{%-?\s*([\s\S]*?)\s*-?%\}/g)].map(
      (m) => `<!--galley:${m[1]!.replace(/--/g, '- -')}-->`,
    );
    lines[i] = indent + tags.join('');
  }
  return lines.join('\n');
}

import type { VFile } from 'vfile';
import { parseYaml } from '../config/load.ts';
import { report } from '../../util/messages.ts';

const YAML_BLOCK = /^---[ \t]*\n([\s\S]*?)\n(?:---|\.\.\.)[ \t]*(?:\n|$)/;
const OTHER_BLOCK = /^(---|\+\+\+|;;;)[ \t]*([A-Za-z]+)?[ \t]*\n/;

/**
 * Splits YAML front matter off a chapter, leaving blank lines in its place so
 * every later position still names the right source line. Front matter in any
 * other language (`---js`, `---coffee`, TOML) is refused and never evaluated.
 */
export function splitFrontmatter(text: string, file: VFile): { body: string; data: Record<string, unknown> } {
  const yaml = YAML_BLOCK.exec(text);
  if (yaml) {
    const blank = '\n'.repeat(yaml[0].split('\n').length - (yaml[0].endsWith('\n') ? 1 : 0));
    const parsed = parseYaml(yaml[1]!, file, 1);
    const value = parsed?.value;
    if (value !== undefined && value !== null && (typeof value !== 'object' || Array.isArray(value))) {
      report(
        file,
        'error',
        'Front matter must be a YAML mapping of keys to values',
        { line: 1, column: 1 },
        'frontmatter',
      );
    }

    const data = value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
    return { body: blank + text.slice(yaml[0].length), data };
  }
  const other = OTHER_BLOCK.exec(text);
  if (other && (other[2] || other[1] !== '---')) {
    report(
      file,
      'error',
      `Front matter \`${other[0].trim()}\` is not allowed: only YAML front matter (\`---\`) is read, and it is never run as code`,
      { line: 1, column: 1 },
      'frontmatter',
    );
    const close = text.indexOf(`\n${other[1]}`, other[0].length - 1);
    const end = close < 0 ? text.length : text.indexOf('\n', close + 1) + 1 || text.length;
    const blank = '\n'.repeat(text.slice(0, end).split('\n').length - 1);
    return { body: blank + text.slice(end), data: {} };
  }
  return { body: text, data: {} };
}

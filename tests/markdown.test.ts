import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { XMLValidator } from 'fast-xml-parser';
import { ROOT, config, renderMarkdown } from './helpers.ts';

/**
 * Fixture-driven: each folder under tests/fixtures/markdown holds input.md,
 * the expected output.html and messages.txt, and optionally config.json
 * (book.yaml keys). `UPDATE=1 npx vitest run tests/markdown.test.ts`
 * rewrites the expected files; review the diff before committing.
 */
const FIXTURES = path.join(ROOT, 'tests/fixtures/markdown');
const update = process.env.UPDATE === '1';

describe('Markdown dialect fixtures', () => {
  for (const name of readdirSync(FIXTURES).sort()) {
    const dir = path.join(FIXTURES, name);
    it(name, () => {
      const input = readFileSync(path.join(dir, 'input.md'), 'utf8');
      const overrides = existsSync(path.join(dir, 'config.json'))
        ? (JSON.parse(readFileSync(path.join(dir, 'config.json'), 'utf8')) as Parameters<typeof config>[0])
        : {};
      const { html, messages } = renderMarkdown(input, { config: config(overrides), number: '3' });
      const actualMessages = messages.join('\n') + (messages.length ? '\n' : '');
      if (update) {
        writeFileSync(path.join(dir, 'output.html'), html + '\n');
        writeFileSync(path.join(dir, 'messages.txt'), actualMessages);
      }
      expect(html + '\n').toBe(readFileSync(path.join(dir, 'output.html'), 'utf8'));
      expect(actualMessages).toBe(readFileSync(path.join(dir, 'messages.txt'), 'utf8'));
      expect(XMLValidator.validate(`<root xmlns:epub="http://www.idpf.org/2007/ops">${html}</root>`)).toBe(true);
    });
  }
});

import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../scripts/model/config/load.ts';
import { tempDir } from './helpers.ts';

let root: { dir: string; cleanup: () => Promise<void> };
beforeAll(async () => {
  root = await tempDir();
});
afterAll(() => root.cleanup());

async function messagesFor(yaml: string) {
  const dir = path.join(root.dir, String(Math.random()).slice(2));
  await mkdir(dir);
  await writeFile(path.join(dir, 'book.yaml'), yaml);
  const { file, config } = await loadConfig(dir);
  return { config, messages: file.messages.map((m) => `${m.line}:${m.column} ${m.reason} [${m.ruleId}]`) };
}

describe('book.yaml', () => {
  it('loads a valid file with defaults filled in', async () => {
    const { config, messages } = await messagesFor(
      'title: A\nauthors: [B]\ncopyright:\n  year: 2024-2026\n  holder: B\n',
    );
    expect(messages).toEqual([]);
    expect(config.output.toc_depth).toBe(2);
    expect(config.output.pdf.trim).toBe('6x9in');
    expect(config.copyright?.footer).toBe('Copyright ©{year} {holder}');
  });

  it('names the line and key of an unknown key', async () => {
    const { messages } = await messagesFor('title: A\nauthors: [B]\noutput:\n  toc_depht: 2\n');
    expect(messages).toEqual(['4:3 Unknown key `output.toc_depht`: remove it or check its spelling [book-config]']);
  });

  it('names the line and key of a wrong type', async () => {
    const { messages } = await messagesFor('title: A\nauthors: B\n');
    expect(messages).toHaveLength(1);
    expect(messages[0]).toMatch(/^2:1 Invalid value for `authors`: .*array/);
  });

  it('reports a bad copyright year at its line', async () => {
    const { messages } = await messagesFor('title: A\ncopyright:\n  year: twenty\n  holder: B\n');
    expect(messages[0]).toMatch(/^3:3 Invalid value for `copyright.year`/);
  });

  it('refuses code-carrying tags', async () => {
    const { messages } = await messagesFor('title: A\nx: !!js/function "function(){}"\n');
    expect(messages.some((m) => /^2:4 Invalid YAML: .*no custom tags/.test(m))).toBe(true);
  });

  it('rejects an alias bomb quickly', async () => {
    const lines = ['a: &a ["x","x","x","x","x","x","x","x","x"]'];
    for (let i = 1; i < 12; i++) {
      lines.push(
        `${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${Array(9)
          .fill('*' + String.fromCharCode(96 + i))
          .join(',')}]`,
      );
    }
    const started = Date.now();
    const { messages } = await messagesFor(`title: A\n${lines.join('\n')}\n`);
    expect(Date.now() - started).toBeLessThan(1000);
    expect(messages.some((m) => /Invalid YAML/.test(m))).toBe(true);
  });

  it('rejects duplicate keys', async () => {
    const { messages } = await messagesFor('title: A\ntitle: B\n');
    expect(messages[0]).toMatch(/^2:1 Invalid YAML/);
  });
});

/**
 * Issue 24, items 2 and 9, and the footnote false alarm: commands that write
 * the author's files never destroy text, and the workflow `galley init`
 * writes pins its actions and runs no install scripts.
 */

import { cp, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { VFile } from 'vfile';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isFooterLine } from '../scripts/model/footer-line.ts';
import { bookSchema } from '../scripts/model/config/schema.ts';
import { addErratum, ErrataInputError } from '../scripts/api/errata-add.ts';
import { initBook } from '../scripts/api/init.ts';
import { LIMITS, withinLimits } from '../scripts/model/book/limits.ts';
import { build } from '../scripts/api/build.ts';
import { withEnv } from '../scripts/util/env.ts';
import { ROOT, runGalleyInProcess, tempDir } from './helpers.ts';

const FIXTURE = path.join(ROOT, 'tests/books/hostile-repo');
const copyright = bookSchema.parse({
  title: 't',
  copyright: { year: 2026, holder: 'Mallory', in_source: true },
}).copyright;

/** The command through its own `main()` in this process (tests/helpers.ts): no process or worker start per call. */
const galley = runGalleyInProcess;

/** Author paragraphs that start like a notice and are not one. */
const NOT_FOOTERS = [
  '(c) The third case is where the proof needs the lemma from chapter two.',
  '© symbols and trademarks are set in the body font, as the style sheet says.',
  'Copyright law differs from one country to the next, and so do its terms.',
  'Copyright 1998 changed everything about publishing in this field.',
  'Copyright (c) cases such as Feist show that facts alone are not protected.',
];

describe('the copyright footer is a footer line, never a paragraph', () => {
  it('tells notices from sentences', () => {
    for (const line of [
      'Copyright ©2026 Mallory',
      'Copyright © 2026 Mallory',
      'Copyright ©2025 Somebody Else',
      '(c) 2026 Mallory. All rights reserved.',
      '© 2024–2026 Acme Inc.',
    ])
      expect(isFooterLine(line, copyright), line).toBe(true);
    for (const line of NOT_FOOTERS) expect(isFooterLine(line, copyright), line).toBe(false);
    expect(isFooterLine('Copyright ©2026 Mallory', undefined)).toBe(false);
  });

  let work: { dir: string; cleanup: () => Promise<void> };
  beforeAll(async () => {
    work = await tempDir('galley-text-');
  });
  afterAll(() => work.cleanup());

  it('a build with in_source keeps every such last paragraph, and check asks for the footer after it', async () => {
    const book = path.join(work.dir, 'paragraphs');
    await cp(FIXTURE, book, { recursive: true });
    const chapters = NOT_FOOTERS.map((text, i) => [`chapters/p${i}.md`, `# Case ${i}\n\nBody.\n\n${text}\n`]);
    for (const [name, text] of chapters) await writeFile(path.join(book, name!), text!);
    await writeFile(
      path.join(book, 'SUMMARY.md'),
      `# Summary\n\n${chapters.map(([name], i) => `* [Case ${i}](${name})`).join('\n')}\n`,
    );
    const out = path.join(work.dir, 'paragraphs-out');
    // Chapters on this thread, as the in-process `galley check` below: a worker's start-up is not what is tested.
    const result = await withEnv({ GALLEY_WORKERS: '0' }, () =>
      build({ manuscript: book, out, formats: ['html'], quiet: true }),
    );
    expect(result.ok).toBe(true);
    for (const [i, text] of NOT_FOOTERS.entries()) {
      const page = await readFile(path.join(out, `html/chapters-p${i}.xhtml`), 'utf8');
      expect(page, text).toContain(text);
    }
    const check = await galley(['check', book], work.dir);
    expect(check.stdout.match(/Missing copyright footer/g)).toHaveLength(NOT_FOOTERS.length);
  });

  it('galley check --fix appends the footer after such a paragraph, prints the diff, and removes no sentence', async () => {
    const book = path.join(work.dir, 'fix');
    await cp(FIXTURE, book, { recursive: true });
    const two = path.join(book, 'chapters/two.md');
    await writeFile(two, `# Two\n\nBody.\r\n\r\n${NOT_FOOTERS[0]}\r\n`);
    const one = path.join(book, 'chapters/one.md');
    await writeFile(one, '# One\n\nBody.\n\nCopyright ©2019 Mallory\n');
    const result = await galley(['check', book, '--fix'], work.dir);
    expect(await readFile(two, 'utf8')).toBe(
      `# Two\n\nBody.\r\n\r\n${NOT_FOOTERS[0]}\r\n\r\nCopyright ©2026 Mallory\r\n`,
    );
    expect(await readFile(one, 'utf8')).toBe('# One\n\nBody.\n\nCopyright ©2026 Mallory\n');
    expect(result.stdout).toContain('--- chapters/one.md');
    expect(result.stdout).toContain('-Copyright ©2019 Mallory\n+Copyright ©2026 Mallory');
    expect(result.stdout).toContain(`+Copyright ©2026 Mallory`);
    expect(result.stdout).toContain('Fixed: chapters/one.md, chapters/two.md');
    expect(result.code).toBe(0);
  });

  it('galley check --fix leaves a Latin-1 chapter byte for byte, and the check shows the build’s UTF-8 error', async () => {
    const book = path.join(work.dir, 'latin1');
    await cp(FIXTURE, book, { recursive: true });
    const two = path.join(book, 'chapters/two.md');
    const bytes = Buffer.from(
      '# Two\n\nCaf\xe9 cr\xe8me, na\xefve. Trailing   \n\nCopyright \xa92026 Mallory',
      'latin1',
    );
    await writeFile(two, bytes);
    const result = await galley(['check', book, '--fix'], work.dir);
    expect((await readFile(two)).equals(bytes)).toBe(true);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/chapters\/two\.md\n\s*3:\d+\s+error\s+Invalid UTF-8: save the file as UTF-8/);
    expect(result.stdout).not.toContain('Fixed:');
  });
});

describe('errata add and init never destroy existing text', () => {
  let work: { dir: string; cleanup: () => Promise<void> };
  beforeAll(async () => {
    work = await tempDir('galley-keep-');
  });
  afterAll(() => work.cleanup());

  it('errata add refuses a non-UTF-8 errata.yaml, and keeps every comment and entry of a valid one', async () => {
    const book = path.join(work.dir, 'errata');
    await cp(FIXTURE, book, { recursive: true });
    const errata = path.join(book, 'errata.yaml');
    const latin1 = Buffer.from('# Errata de l\xe9diteur\nreleases: []\nentries: []\n', 'latin1');
    await writeFile(errata, latin1);
    const entry = { location: 'chapters/one.md', kind: 'typo', text: 'A fix.' };
    await expect(addErratum(book, entry, { interactive: false, today: '2026-12-07' })).rejects.toThrow(
      /errata\.yaml is not valid UTF-8/,
    );
    expect((await readFile(errata)).equals(latin1)).toBe(true);

    const kept =
      '# Kept: the publisher’s note.\nreleases: []  # none yet\nentries:\n  # The first report.\n  - id: E-0001\n    location: chapters/one.md\n    kind: typo\n    text: "A first fix."\n    reported: "2026-01-01"\n';
    await writeFile(errata, kept);
    await addErratum(book, entry, { interactive: false, today: '2026-12-07' });
    const after = await readFile(errata, 'utf8');
    // The YAML library may respace a line (`[]  #` → `[] #`), never drop a comment or an entry.
    const squash = (text: string) => text.replace(/ +/g, ' ');
    for (const line of kept.split('\n')) expect(squash(after)).toContain(squash(line));
    expect(after).toContain('id: E-0002');
  });

  it('errata add refuses an errata.yaml that is a FIFO or a folder, naming it', async () => {
    const book = path.join(work.dir, 'errata-folder');
    await cp(FIXTURE, book, { recursive: true });
    await mkdir(path.join(book, 'errata.yaml'));
    const error = await addErratum(
      book,
      { location: 'chapters/one.md', kind: 'typo', text: 'x' },
      { interactive: false },
    ).catch((e: Error) => e);
    expect(error).toBeInstanceOf(ErrataInputError);
    expect((error as Error).message).toMatch(/errata\.yaml is a folder, not a file/);
  });

  it('init --force keeps every file that is already there, and its workflow pins actions and skips install scripts', async () => {
    const dir = path.join(work.dir, 'init');
    await mkdir(path.join(dir, '.github/workflows'), { recursive: true });
    await writeFile(path.join(dir, 'book.yaml'), 'title: "Mine"\n');
    await writeFile(path.join(dir, '.github/workflows/check.yml'), '# my own workflow\n');
    const kept: string[] = [];
    const written = await initBook(dir, { title: 'T', author: 'A', language: 'en', force: true }, kept);
    expect(await readFile(path.join(dir, 'book.yaml'), 'utf8')).toBe('title: "Mine"\n');
    expect(await readFile(path.join(dir, '.github/workflows/check.yml'), 'utf8')).toBe('# my own workflow\n');
    expect(kept.sort()).toEqual(['.github/workflows/check.yml', 'book.yaml']);
    expect(written).toContain('SUMMARY.md');

    const fresh = path.join(work.dir, 'init-fresh');
    await initBook(fresh, { title: 'T', author: 'A', language: 'en' });
    const workflow = await readFile(path.join(fresh, '.github/workflows/check.yml'), 'utf8');
    const uses = [...workflow.matchAll(/uses: (\S+)@(\S+)/g)].map(([, name = '', ref = '']) => [name, ref] as const);
    // GitHub's own actions by commit; Galley's action (which installs with --ignore-scripts, action.test.ts) by the
    // version of Galley that wrote the workflow.
    expect(uses.map(([name]) => name)).toEqual(['actions/checkout', 'OWNER/galley']);
    for (const [name, ref] of uses) if (name.startsWith('actions/')) expect(ref).toMatch(/^[0-9a-f]{40}$/);
    expect(workflow).not.toMatch(/npm (ci|install)/);
  });
});

describe('the footnote-reference limit', () => {
  it('counts references only: definitions are not a second reference each', () => {
    const half = Math.floor(LIMITS.footnoteReferences * 0.75);
    const refs = Array.from({ length: half }, (_, i) => `Text[^n${i}].`).join('\n');
    const defs = Array.from({ length: half }, (_, i) => `[^n${i}]: Note ${i}.`).join('\n');
    const ok = new VFile({ path: 'notes.md' });
    expect(withinLimits(`${refs}\n\n${defs}\n`, ok)).toBe(true);
    expect(ok.messages).toEqual([]);
    const over = new VFile({ path: 'notes.md' });
    const many = Array.from({ length: LIMITS.footnoteReferences + 1 }, (_, i) => `[^n${i}]`).join(' ');
    expect(withinLimits(many, over)).toBe(false);
    expect(over.messages[0]?.reason).toMatch(/footnote references, over the limit/);
  });
});

/**
 * Issue 24, items 5 and 6: reads stay in the book by REAL path, and only
 * regular files are read. The manuscript is the repository's root (the
 * layout `galley init` makes, built with `galley build .`), whose `.git/config`
 * holds CI's token after `actions/checkout`.
 */
import { execFileSync } from 'node:child_process';
import { cp, link, mkdir, readFile, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import http from 'node:http';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serveSite } from '../scripts/render/web/server.ts';
import { startDev } from '../scripts/api/dev.ts';
import { ROOT, runGalley, runGalleyInProcess, tempDir } from './helpers.ts';

const FIXTURE = path.join(ROOT, 'tests/books/hostile-repo');
const TOKEN = 'ghs_CANARYtoken0123456789abcdef';

/** The command in this process (tests/helpers.ts); the FIFO cases spawn it, under its time limit. */
const galley = runGalleyInProcess;

/** A copy of the fixture as a git repository with CI's token in .git/config. */
async function repoBook(parent: string, name: string): Promise<string> {
  const dir = path.join(parent, name);
  await cp(FIXTURE, dir, { recursive: true });
  execFileSync('git', ['init', '-q'], { cwd: dir });
  execFileSync('git', ['config', 'http.https://github.com/.extraheader', `AUTHORIZATION: basic ${TOKEN}`], {
    cwd: dir,
  });
  return dir;
}

/** Every byte under `dir`, as text. */
async function allOutput(dir: string): Promise<string> {
  let text = '';
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  for (const entry of entries)
    if (entry.isFile()) text += await readFile(path.join(entry.parentPath, entry.name), 'latin1');
  return text;
}

describe('reads by real path (the repository is the manuscript)', () => {
  let work: { dir: string; cleanup: () => Promise<void> };
  beforeAll(async () => {
    work = await tempDir('galley-reads-');
  });
  afterAll(() => work.cleanup());

  it('refuses a chapter that is a plainly named link to .git/config, at its SUMMARY.md line, and publishes nothing', async () => {
    const book = await repoBook(work.dir, 'chapter');
    await symlink('../.git/config', path.join(book, 'chapters/notes.md'));
    await writeFile(
      path.join(book, 'SUMMARY.md'),
      '# Summary\n\n* [One](chapters/one.md)\n* [Notes](chapters/notes.md)\n',
    );
    const result = await galley(['build', '.', '--format', 'html,epub'], book);
    expect(result.code).toBe(1);
    expect(result.stdout + result.stderr).toMatch(/SUMMARY\.md:4:3 error .*chapters\/notes\.md.*git folder/);
    expect(await allOutput(path.join(book, 'dist'))).not.toContain(TOKEN);
    expect(result.stdout + result.stderr).not.toContain(TOKEN);
  });

  // Template tags are HonKit's: in a book.yaml book `{% include %}` is text and reads nothing, in a HonKit book it is
  // an include like the others.
  for (const dialect of ['book.yaml', 'HonKit'] as const) {
    it(`refuses every include of it ({{#include}}, import, {% include %}) at the include line (${dialect})`, async () => {
      const book = await repoBook(work.dir, `include-${dialect}`);
      if (dialect === 'HonKit') {
        await rm(path.join(book, 'book.yaml'));
        await writeFile(path.join(book, 'book.json'), JSON.stringify({ title: 'Hostile repository' }));
        await writeFile(path.join(book, 'README.md'), '# Hostile repository\n\nAn introduction.\n');
      }
      await symlink('../.git/config', path.join(book, 'chapters/notes.md'));
      await writeFile(
        path.join(book, 'chapters/one.md'),
        '# One\n\n```\n{{#include notes.md}}\n```\n\n[import](notes.md)\n\n{% include "notes.md" %}\n\nCopyright ©2026 Mallory\n',
      );
      const result = await galley(['check', '.'], book);
      expect(result.code).toBe(1);
      const lines = (result.stdout.match(/^\s*(\d+):\d+\s+error\s+.*git folder.*$/gm) ?? []).map((l) =>
        Number(/\d+/.exec(l)![0]),
      );
      // mdBook's include is told at its code block's first line, as every include message is.
      expect(lines).toEqual(dialect === 'HonKit' ? [3, 7, 9] : [3, 7]);
      const built = await galley(['build', '.', '--format', 'html'], book);
      expect(built.code).toBe(1);
      expect(await allOutput(path.join(book, 'dist'))).not.toContain(TOKEN);
    });
  }

  it('refuses fixed-name files that are links into the git folder: book.yaml, SUMMARY.md, errata.yaml, refs.bib', async () => {
    for (const name of ['book.yaml', 'SUMMARY.md', 'errata.yaml', 'refs.bib']) {
      const book = await repoBook(work.dir, `fixed-${name}`);
      await rm(path.join(book, name), { force: true });
      await symlink('.git/config', path.join(book, name));
      const result = await galley(['check', '.'], book);
      expect(result.code, name).toBe(1);
      expect(result.stdout + result.stderr, name).toMatch(new RegExp(`${name.replace('.', '\\.')}.*git folder`, 's'));
      expect(result.stdout + result.stderr, name).not.toContain(TOKEN);
    }
  });

  it('refuses a hidden real path and a git folder that a .git file names (worktrees, --separate-git-dir)', async () => {
    const book = await repoBook(work.dir, 'hidden');
    await mkdir(path.join(book, '.private'));
    await writeFile(path.join(book, '.private/notes.md'), '# Private\n');
    await symlink('../.private/notes.md', path.join(book, 'chapters/private.md'));
    await writeFile(path.join(book, 'chapters/one.md'), '# One\n\n[import](private.md)\n\nCopyright ©2026 Mallory\n');
    const hidden = await galley(['check', '.'], book);
    expect(hidden.stdout).toMatch(
      /3:1\s+error\s+Code import `private\.md` is a link to `\.private\/notes\.md`, a hidden file/,
    );

    // The git folder inside the manuscript under a plain name, named by a `.git` file.
    const separate = path.join(work.dir, 'separate');
    await cp(FIXTURE, separate, { recursive: true });
    execFileSync('git', ['init', '-q', '--separate-git-dir', path.join(separate, 'store')], { cwd: separate });
    execFileSync('git', ['config', 'user.secret', TOKEN], { cwd: separate });
    await symlink('../store/config', path.join(separate, 'chapters/notes.md'));
    await writeFile(path.join(separate, 'chapters/one.md'), '# One\n\n[import](notes.md)\n\nCopyright ©2026 Mallory\n');
    const result = await galley(['check', '.'], separate);
    expect(result.stdout).toMatch(/3:1\s+error\s+Code import `notes\.md` is in the repository's git folder/);
    expect(result.stdout).not.toContain(TOKEN);
  });

  it('refuses an included file with a second hard link (git cannot carry one)', async () => {
    const book = await repoBook(work.dir, 'hardlink');
    await writeFile(path.join(work.dir, 'elsewhere.txt'), 'made outside the repository\n');
    await link(path.join(work.dir, 'elsewhere.txt'), path.join(book, 'chapters/listing.txt'));
    await writeFile(path.join(book, 'chapters/one.md'), '# One\n\n[import](listing.txt)\n\nCopyright ©2026 Mallory\n');
    const result = await galley(['check', '.'], book);
    expect(result.stdout).toMatch(/3:1\s+error\s+Code import `listing\.txt` has 2 hard links/);
  });
});

describe('only regular files are read', () => {
  let work: { dir: string; cleanup: () => Promise<void> };
  beforeAll(async () => {
    work = await tempDir('galley-files-');
  });
  afterAll(() => work.cleanup());

  // Each ends in well under the budget with a message naming the file: a FIFO opened for reading would block forever.
  // FIFOs are read by the spawned command under its time limit (a blocked read in this process would hang the run);
  // the ones that do not stop the loading share a book, each told by its own message.
  const fifos: [string[], RegExp[]][] = [
    [['book.yaml'], [/book\.yaml is a named pipe \(FIFO\), not a file/]],
    [['SUMMARY.md'], [/SUMMARY\.md is a named pipe \(FIFO\), not a file/]],
    [
      ['errata.yaml', 'refs.bib', 'chapters/two.md', 'chapters/pipe.txt'],
      [
        /errata\.yaml is a named pipe \(FIFO\), not a file/,
        /refs\.bib is a named pipe \(FIFO\), not a file/,
        /chapters\/two\.md` is a named pipe \(FIFO\), not a file/,
        // An include that is a FIFO is an error at its line.
        /chapters\/one\.md\n(.*\n)*?\s*3:1\s+error\s+Code import `pipe\.txt` is a named pipe \(FIFO\)/,
      ],
    ],
  ];
  it.each(fifos)('%s as a FIFO: a clear error naming it, never a hang', async (names, messages) => {
    const book = path.join(work.dir, `fifo-${names[0]!.replace('/', '-')}`);
    await cp(FIXTURE, book, { recursive: true });
    for (const name of names) {
      await rm(path.join(book, name), { force: true });
      execFileSync('mkfifo', [path.join(book, name)]);
    }
    if (names.includes('chapters/pipe.txt'))
      await writeFile(path.join(book, 'chapters/one.md'), '# One\n\n[import](pipe.txt)\n\nCopyright ©2026 Mallory\n');
    const result = await runGalley(['check', '.'], book, 30_000);
    expect(result.code).toBe(1);
    for (const message of messages) expect(result.stdout + result.stderr).toMatch(message);
    expect(result.stdout + result.stderr).not.toMatch(/EISDIR|Internal error/);
    expect(result.ms).toBeLessThan(20_000);
  });

  const folders: [string, RegExp][] = [
    ['book.yaml', /book\.yaml is a folder, not a file/],
    ['errata.yaml', /errata\.yaml is a folder, not a file/],
    ['refs.bib', /refs\.bib is a folder, not a file/],
    ['chapters/two.md', /chapters\/two\.md`, which is a folder/],
  ];
  it.each(folders)('%s as a folder: a clear error naming it, never EISDIR', async (name, message) => {
    const book = path.join(work.dir, `folder-${name.replace('/', '-')}`);
    await cp(FIXTURE, book, { recursive: true });
    await rm(path.join(book, name), { force: true });
    await mkdir(path.join(book, name));
    const result = await galley(['check', '.'], book);
    expect(result.code).toBe(1);
    expect(result.stdout + result.stderr).toMatch(message);
    expect(result.stdout + result.stderr).not.toMatch(/EISDIR|Internal error/);
    expect(result.ms).toBeLessThan(20_000);
  });
});

describe('galley dev and its server', () => {
  let work: { dir: string; cleanup: () => Promise<void> };
  beforeAll(async () => {
    work = await tempDir('galley-dev-links-');
  });
  afterAll(() => work.cleanup());

  const get = (url: string) =>
    new Promise<{ status: number; body: string }>((resolve, reject) => {
      http
        .get(url, (res) => {
          let body = '';
          res.on('data', (d: Buffer) => (body += d.toString()));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        })
        .on('error', reject);
    });

  it('checks the real path of every file sirv may send: a linked page.html is not served as /page', async () => {
    const site = path.join(work.dir, 'site');
    await mkdir(site);
    await writeFile(path.join(work.dir, 'secret.html'), '<p>SECRET-OUTSIDE</p>');
    await writeFile(path.join(site, 'ok.html'), '<p>inside</p>');
    await symlink(path.join(work.dir, 'secret.html'), path.join(site, 'page.html'));
    await mkdir(path.join(site, 'dir'));
    await symlink(path.join(work.dir, 'secret.html'), path.join(site, 'dir/index.html'));
    const server = await serveSite(site);
    try {
      expect((await get(`${server.url}ok`)).body).toContain('inside');
      for (const asked of ['page', 'page.html', 'dir/', 'dir/index.html']) {
        const answer = await get(`${server.url}${asked}`);
        expect(answer.status, asked).toBe(404);
        expect(answer.body, asked).not.toContain('SECRET-OUTSIDE');
      }
    } finally {
      await server.close();
    }
  });

  it('watches a manuscript holding committed links to / and /usr without following them', async () => {
    const manuscript = path.join(work.dir, 'book');
    await cp(FIXTURE, manuscript, { recursive: true });
    await symlink('/usr', path.join(manuscript, 'usr'));
    await symlink('/', path.join(manuscript, 'root'));
    const started = Date.now();
    const session = await startDev({ manuscript, out: path.join(work.dir, 'dist'), watch: true });
    try {
      // Following /usr put 100,000 watches outside the book and never got ready; / failed on /proc.
      expect(Date.now() - started).toBeLessThan(20_000);
      expect(process.memoryUsage().rss).toBeLessThan(1.5 * 1024 ** 3);
    } finally {
      await session.close();
    }
  });
});

/**
 * Issue 24, items 1 and 3: no write, rename or delete through a link, and a
 * ref never becomes a git option. The manuscript is the repository's root
 * (`galley build .`); a pull request commits a link named `dist`.
 */
import { execFileSync } from 'node:child_process';
import { cp, lstat, mkdir, readFile, readdir, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertNoLink, LinkedFolderError, replaceDirectory, writeFileAtomic } from '../scripts/util/atomic.ts';
import { replaceArtifacts } from '../scripts/render/artifact-manifest.ts';
import { chapterCacheDir } from '../scripts/passes/process-chapters.ts';
import { startDev } from '../scripts/api/dev.ts';
import { diffRevisions } from '../scripts/api/diff.ts';
import { RefError } from '../scripts/util/git.ts';
import { ROOT, runGalleyInProcess, tempDir } from './helpers.ts';

const FIXTURE = path.join(ROOT, 'tests/books/hostile-repo');

/** The command through its own `main()` in this process (tests/helpers.ts): no process or worker start per call. */
const galley = runGalleyInProcess;

/** Names, kinds and bytes of everything under `dir`: what "untouched" means. */
async function snapshot(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    const file = path.join(entry.parentPath, entry.name);
    out.push(`${path.relative(dir, file)} ${entry.isFile() ? await readFile(file, 'base64') : 'dir'}`);
  }
  return out.sort();
}

const git = (cwd: string, ...args: string[]) =>
  execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@localhost', ...args], { cwd, encoding: 'utf8' });

describe('writes stay in the output folder', () => {
  let work: { dir: string; cleanup: () => Promise<void> };
  let victim: string;
  let before: string[];
  beforeAll(async () => {
    work = await tempDir('galley-writes-');
    // What lies outside the repository: the previous site a link points at, with a file that must survive.
    victim = path.join(work.dir, 'victim');
    await mkdir(path.join(victim, 'html'), { recursive: true });
    await writeFile(path.join(victim, 'precious.txt'), 'the only copy\n');
    await writeFile(path.join(victim, 'html/index.html'), '<p>someone else’s page</p>\n');
    await writeFile(path.join(victim, '.galley-artifacts.json'), '{"files": ["precious.epub"]}\n');
    await writeFile(path.join(victim, 'precious.epub'), 'not ours\n');
    before = await snapshot(victim);
  });
  afterAll(() => work.cleanup());

  it('`galley build .` with a committed link named dist fails, says to pass the real path, and touches nothing', async () => {
    const book = path.join(work.dir, 'book');
    await cp(FIXTURE, book, { recursive: true });
    git(book, 'init', '-q');
    await symlink(victim, path.join(book, 'dist'));
    git(book, 'add', '-A');
    git(book, 'commit', '-qm', 'a pull request that adds dist');
    for (const format of ['html', 'html,epub']) {
      const result = await galley(['build', '.', '--format', format], book);
      expect(result.code).toBe(1);
      expect(result.stderr).toContain(`The output folder ${path.join(book, 'dist')} is a symbolic link`);
      expect(result.stderr).toContain(`Pass the real path instead (${victim})`);
      expect(await snapshot(victim)).toEqual(before);
    }
    // `galley dev` and `galley release` refuse it too, before any work.
    await expect(startDev({ manuscript: book, out: path.join(book, 'dist') })).rejects.toThrow(LinkedFolderError);
    const release = await galley(['release', '.'], book);
    expect(release.code).toBe(1);
    expect(release.stderr).toMatch(/dist\/release lies under the symbolic link/);
    expect(await snapshot(victim)).toEqual(before);
  });

  it('refuses a link inside a real output folder (an edition folder, html/, web/)', async () => {
    const book = path.join(work.dir, 'inner');
    await cp(FIXTURE, book, { recursive: true });
    await mkdir(path.join(book, 'dist'));
    await symlink(path.join(victim, 'html'), path.join(book, 'dist/html'));
    const result = await galley(['build', '.', '--format', 'html'], book);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`${path.join(book, 'dist/html')} is a symbolic link`);
    expect(await snapshot(victim)).toEqual(before);
    expect((await lstat(path.join(book, 'dist/html'))).isSymbolicLink()).toBe(true);
  });

  it('replaceDirectory, writeFileAtomic, the artifact manifest and the chapter cache never go through a link', async () => {
    const out = path.join(work.dir, 'out');
    await mkdir(out);
    await symlink(victim, path.join(out, 'linked'));
    await expect(replaceDirectory(path.join(out, 'linked'), async () => {})).rejects.toThrow(LinkedFolderError);
    await expect(writeFileAtomic(path.join(out, 'linked/new.txt'), 'x')).rejects.toThrow(LinkedFolderError);
    expect(() => assertNoLink(path.join(out, 'linked/deeper/still'))).toThrow(/lies under the symbolic link/);
    expect(() => assertNoLink(path.join(out, 'fresh/folder'))).not.toThrow();

    // A manifest that is a link (committed in a dist/ folder) lists nothing to delete; it is replaced, not followed.
    const real = path.join(out, 'real');
    await mkdir(real);
    await symlink(path.join(victim, '.galley-artifacts.json'), path.join(real, '.galley-artifacts.json'));
    await symlink(path.join(victim, 'precious.epub'), path.join(real, 'precious.epub'));
    await writeFile(path.join(real, 'book.epub'), 'new');
    expect(await replaceArtifacts(real, [path.join(real, 'book.epub')])).toEqual([]);
    expect((await lstat(path.join(real, '.galley-artifacts.json'))).isFile()).toBe(true);

    // A cache folder under a link is not used at all.
    expect(chapterCacheDir(path.join(out, 'linked/cache'))).toBeUndefined();
    expect(chapterCacheDir(path.join(out, 'cache'))).toBe(path.join(out, 'cache'));
    expect(await snapshot(victim)).toEqual(before);
  });
});

describe('refs are refs', () => {
  let work: { dir: string; cleanup: () => Promise<void> };
  let book: string;
  beforeAll(async () => {
    work = await tempDir('galley-refs-');
    book = path.join(work.dir, 'book');
    await cp(FIXTURE, book, { recursive: true });
    git(book, 'init', '-q');
    git(book, 'add', '-A');
    git(book, 'commit', '-qm', 'base');
  });
  afterAll(() => work.cleanup());

  it('--changed-since=--output=FILE is a usage error (exit 2) that creates and truncates nothing', async () => {
    const fresh = path.join(work.dir, 'created-by-git.txt');
    const existing = path.join(work.dir, 'existing.txt');
    await writeFile(existing, 'keep me\n');
    for (const target of [fresh, existing]) {
      const result = await galley(['check', '.', `--changed-since=--output=${target}`], book);
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(/is not a git revision: a revision never starts with `-`/);
    }
    await expect(lstat(fresh)).rejects.toThrow();
    expect(await readFile(existing, 'utf8')).toBe('keep me\n');
    // A real ref still works, and one that names no commit is a plain error.
    expect((await galley(['check', '.', '--changed-since', 'HEAD'], book)).code).toBe(0);
    const unknown = await galley(['check', '.', '--changed-since', 'no-such-branch'], book);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('`no-such-branch` is not a commit');
  });

  it('galley diff refuses an option-shaped revision before git runs', async () => {
    const target = path.join(work.dir, 'diff-output.txt');
    await expect(
      diffRevisions(`--output=${target}`, undefined, { manuscript: book, out: path.join(work.dir, 'diff') }),
    ).rejects.toThrow(RefError);
    await expect(lstat(target)).rejects.toThrow();
    const cli = await galley(['diff', '--no-pdf', '--', `--output=${target}`, 'HEAD', '.'], book);
    expect(cli.code).toBe(2);
    await expect(lstat(target)).rejects.toThrow();
  });
});

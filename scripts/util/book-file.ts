import { readFileSync, realpathSync, statSync, type Stats } from 'node:fs';
import path from 'node:path';
import { findRepository, runGit } from './git.ts';

/**
 * The one gate every reader of the manuscript passes (chapters, includes,
 * imports, images, the cover, book.yaml, SUMMARY.md, errata.yaml, `.bib`,
 * LANGS.md…). Paths as written are checked elsewhere (resolveLocal); this
 * checks what the path IS once every link is followed: a committed symlink
 * `chapters/notes.md → ../.git/config` is written plainly, yet reads the file
 * where `actions/checkout` keeps the job's token. So:
 * - the real path must lie inside the manuscript's real root, and none of its
 *   segments there may be hidden;
 * - nothing in the repository's git directory is read, wherever it is
 *   (worktrees and submodules keep it outside, named by a `.git` file);
 * - only regular files are read: a FIFO would block the build forever, a
 *   folder gives a raw EISDIR, a device never ends.
 */

/**
 * Not cache state of a build: facts about the machine per manuscript root (its real path, its repository's git
 * folders), asked once per process because git is a process to start. A book's root does not move while it is
 * read; a `galley dev` session on a root that does is restarted.
 */
const gitDirCache = new Map<string, string[]>();
const realRoots = new Map<string, string>();

/** Real paths of the git directories of the repository holding `realRoot` (its own, and the common one of a worktree). */
export function gitDirectories(realRoot: string): string[] {
  const known = gitDirCache.get(realRoot);
  if (known) return known;
  const dirs = new Set<string>();
  const repo = findRepository(realRoot);
  const add = (p: string | undefined) => {
    if (!p) return;
    try {
      dirs.add(realpathSync(p));
    } catch {
      // Named but missing: nothing there to read.
    }
  };
  if (repo) {
    add(repo.gitDir);
    try {
      // A `.git` file (`gitdir: …`) names the real one; git itself says where both it and the common one are.
      const out = runGit(repo, ['rev-parse', '--absolute-git-dir', '--git-common-dir'], { timeout: 10_000 });
      for (const line of out.split('\n').filter(Boolean)) add(path.resolve(repo.top, line));
    } catch {
      // No git program: read the `.git` file ourselves.
      try {
        const text = readFileSync(repo.gitDir, 'utf8');
        const match = /^gitdir: (.+)$/m.exec(text);
        if (match?.[1] !== undefined) add(path.resolve(path.dirname(repo.gitDir), match[1].trim()));
      } catch {
        // A folder, added above.
      }
    }
  }
  const list = [...dirs];
  gitDirCache.set(realRoot, list);
  return list;
}

const within = (folder: string, file: string) => {
  const relative = path.relative(folder, file);
  return relative === '' || (!relative.startsWith('..') && !path.isAbsolute(relative));
};

/** What a non-regular file is, in words. */
export function fileKind(stat: Stats): string {
  if (stat.isDirectory()) return 'a folder';
  if (stat.isFIFO()) return 'a named pipe (FIFO)';
  if (stat.isSocket()) return 'a socket';
  if (stat.isCharacterDevice() || stat.isBlockDevice()) return 'a device';
  return 'not a regular file';
}

export type BookFileCheck =
  | { ok: true; real: string; stat: Stats }
  | { ok: false; missing: true }
  | { ok: false; missing?: false; folder?: boolean; outside?: boolean; reason: string };

export interface BookFileOptions {
  /** Refuse a file with more than one hard link (includes: git cannot carry hard links, so one was made on this machine). */
  single?: boolean;
  /** A folder is allowed (a link to a folder): the caller only asks whether the path is inside. */
  folderOk?: boolean;
}

/**
 * Whether `file` may be read as part of the book rooted at `root`, judged by
 * its real path. The reasons complete a sentence that starts with the file's
 * name ("`notes.md` is …").
 */
export function checkBookFile(root: string, file: string, options: BookFileOptions = {}): BookFileCheck {
  let real: string;
  let realRoot: string | undefined = realRoots.get(root);
  try {
    // A book's root does not move while it is read; every link and image asks about it.
    if (!realRoot) realRoots.set(root, (realRoot = realpathSync(root)));
  } catch {
    return { ok: false, missing: true };
  }
  try {
    real = realpathSync(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ELOOP') return { ok: false, reason: 'is a loop of symbolic links' };
    return { ok: false, missing: true };
  }
  const relative = path.relative(realRoot, real);
  if (relative === '..' || relative.startsWith(`..${path.sep}`) || path.isAbsolute(relative))
    return { ok: false, outside: true, reason: 'is a link that points outside the manuscript' };
  for (const dir of gitDirectories(realRoot)) {
    if (within(dir, real))
      return { ok: false, reason: "is in the repository's git folder (where CI keeps its token): books never read it" };
  }
  if (relative.split(path.sep).some((segment) => segment.startsWith('.'))) {
    return {
      ok: false,
      reason: `is a link to \`${relative.split(path.sep).join('/')}\`, a hidden file or one in a hidden folder: books may not use those`,
    };
  }
  let stat: Stats;
  try {
    stat = statSync(real);
  } catch {
    return { ok: false, missing: true };
  }
  if (stat.isDirectory() && options.folderOk) return { ok: true, real, stat };
  if (!stat.isFile()) {
    return {
      ok: false,
      folder: stat.isDirectory(),
      reason: `is ${fileKind(stat)}, not a file: Galley reads only regular files`,
    };
  }
  if (options.single && stat.nlink > 1) {
    return {
      ok: false,
      reason: `has ${stat.nlink} hard links: git cannot carry hard links, so this one was made outside the repository; copy the file instead`,
    };
  }
  return { ok: true, real, stat };
}

/** Thrown by readBookFile: a file at a fixed name that may not be read. */
export class BookFileError extends Error {}

/**
 * Reads a file the book names by a fixed name (book.yaml, SUMMARY.md,
 * errata.yaml, a `.bib`, LANGS.md): undefined when there is none, a
 * BookFileError (naming the file) when it may not be read.
 */
export function readBookFile(root: string, file: string): Buffer | undefined {
  const checked = checkBookFile(root, file);
  if (!checked.ok) {
    if (checked.missing) return undefined;
    throw new BookFileError(`${path.relative(root, file) || path.basename(file)} ${checked.reason}`);
  }
  return readFileSync(checked.real);
}

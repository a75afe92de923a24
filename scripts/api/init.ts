/**
 * `galley init`: writes a starter book from templates/starter/ into a folder.
 * Files npm would not pack under their own names (`.gitignore`, `.github/`)
 * are stored without the dot and get it back here.
 */
import { existsSync, readdirSync, realpathSync } from 'node:fs';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const STARTER = fileURLToPath(new URL('../../templates/starter', import.meta.url));

export interface InitOptions {
  title: string;
  author: string;
  language: string;
  /** Write into a folder that already has files (files already there are kept, never replaced). */
  force?: boolean;
  /** The copyright year; this year by default. */
  year?: string;
  /** The GitHub repository of Galley's action (`owner/name`); Galley's package.json `repository` by default. */
  actionRepo?: string;
}

const WORKFLOW = 'github/workflows/check.yml';

/** `owner/name` from a GitHub repository URL (`git+https://github.com/o/n.git`, `github:o/n`), if it is one. */
export function githubRepository(url: string | undefined): string | undefined {
  const match =
    /^(?:git\+)?(?:https?:\/\/|git@|ssh:\/\/git@)?(?:github\.com[/:]|github:)([\w.-]+)\/([\w.-]+?)(?:\.git)?\/?$/.exec(
      url ?? '',
    );
  return match ? `${match[1]}/${match[2]}` : undefined;
}

/**
 * What the starter workflow's `uses:` names: the action in Galley's own
 * repository at this version's tag. Galley's repository URL is a placeholder
 * (OWNER/galley) until it is published; the workflow's comment says so.
 */
export async function actionReference(actionRepo?: string): Promise<string> {
  const pkg = JSON.parse(await readFile(new URL('../../package.json', import.meta.url), 'utf8')) as {
    version: string;
    repository?: string | { url?: string };
  };
  const url = typeof pkg.repository === 'string' ? pkg.repository : pkg.repository?.url;
  return `${actionRepo ?? githubRepository(url) ?? 'OWNER/galley'}@v${pkg.version}`;
}

/** Thrown when the folder is not empty and `force` is not set. */
export class FolderNotEmptyError extends Error {}

// A new git repository is still an empty folder for a book.
const IGNORED = new Set(['.git']);

export function isEmptyFolder(dir: string): boolean {
  return !existsSync(dir) || readdirSync(dir).every((name) => IGNORED.has(name));
}

function destination(relative: string): string {
  const [first, ...rest] = relative.split('/');
  return [first === 'gitignore' || first === 'github' ? `.${first}` : first!, ...rest].join('/');
}

async function listStarter(dir = STARTER, prefix = ''): Promise<string[]> {
  const out: string[] = [];
  for (const entry of (await readdir(dir, { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const relative = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isDirectory()) out.push(...(await listStarter(path.join(dir, entry.name), relative)));
    else out.push(relative);
  }
  return out;
}

/** The files `initBook` wrote, relative to the folder. */
export type InitResult = string[];

/**
 * Writes the starter book into `dir`; returns the files written, relative to
 * it. With `force`, a file already there is kept as it is (listed in
 * `kept`): a starter file never replaces the author's, and nothing is
 * written through a link (a `.github` link to elsewhere).
 */
export async function initBook(dir: string, options: InitOptions, kept: string[] = []): Promise<InitResult> {
  if (!options.force && !isEmptyFolder(dir)) {
    throw new FolderNotEmptyError(
      `${dir} is not empty: choose a new folder, or give --force to write the starter files into it`,
    );
  }
  // JSON strings are YAML double-quoted scalars: any title or name is safe in book.yaml.
  const values: Record<string, string> = {
    title: JSON.stringify(options.title),
    author: JSON.stringify(options.author),
    language: JSON.stringify(options.language),
    year: options.year ?? String(new Date().getUTCFullYear()),
  };
  const action = await actionReference(options.actionRepo);
  const written: string[] = [];
  for (const relative of await listStarter()) {
    let content = await readFile(path.join(STARTER, relative));
    if (relative === WORKFLOW) content = Buffer.from(content.toString('utf8').replace('{{action}}', action));
    if (relative === 'book.yaml') {
      content = Buffer.from(
        content.toString('utf8').replace(/\{\{(\w+)\}\}/g, (match, key: string) => values[key] ?? match),
      );
    }
    const target = path.join(dir, destination(relative));
    await mkdir(path.dirname(target), { recursive: true });
    const inside = path.relative(realpathSync(dir), realpathSync(path.dirname(target)));
    if (inside.startsWith('..') || path.isAbsolute(inside)) {
      kept.push(destination(relative));
      continue;
    }
    try {
      // `wx`: never over a file (or a link) that is there already.
      await writeFile(target, content, { flag: 'wx' });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      kept.push(destination(relative));
      continue;
    }
    written.push(destination(relative));
  }
  return written;
}

import { execFileSync, type ExecFileSyncOptions } from 'node:child_process';
import { existsSync, readFileSync, realpathSync, statSync } from 'node:fs';
import path from 'node:path';

/**
 * Git for an untrusted manuscript. A manuscript can carry a bare-repository
 * layout (`HEAD`, `objects/`, `refs/`, `config`) which git, started inside it,
 * would take for a repository and whose `config` can name programs to run
 * (`gpg.program` with `log.showSignature`, `core.fsmonitor`, `diff.external`…).
 * So git is only ever pointed at the repository that holds the manuscript's
 * real path through its `.git` entry, with discovery turned off
 * (`GIT_DIR`, `GIT_WORK_TREE`, `GIT_CEILING_DIRECTORIES`,
 * `safe.bareRepository=explicit`) and every setting that runs a program
 * overridden on the command line.
 */

export interface Repository {
  /** The working tree's top folder (real path). */
  top: string;
  /** The `.git` folder or gitfile (worktrees, submodules). */
  gitDir: string;
}

/** Settings that would run a program, neutralised; `-c` beats every config file. */
export const SAFE_GIT_CONFIG: readonly string[] = [
  'safe.bareRepository=explicit',
  'log.showSignature=false',
  'gpg.program=false',
  'gpg.openpgp.program=false',
  'gpg.x509.program=false',
  'gpg.ssh.program=false',
  'core.fsmonitor=false',
  'core.pager=cat',
  'core.hooksPath=/dev/null',
  'core.sshCommand=false',
  'pager.log=false',
  'pager.diff=false',
  'pager.show=false',
];

/** Environment variables of the caller that could redirect git or make it run something. */
const DROPPED_ENV =
  /^GIT_(DIR|WORK_TREE|COMMON_DIR|INDEX_FILE|OBJECT_DIRECTORY|ALTERNATE_OBJECT_DIRECTORIES|NAMESPACE|CEILING_DIRECTORIES|DISCOVERY_ACROSS_FILESYSTEM|EXTERNAL_DIFF|PAGER|EDITOR|SSH|SSH_COMMAND|ASKPASS|CONFIG|CONFIG_COUNT|CONFIG_KEY_\d+|CONFIG_VALUE_\d+|CONFIG_PARAMETERS|EXEC_PATH|TRACE\w*)$/;

function isGitEntry(entry: string): boolean {
  try {
    const stat = statSync(entry);
    if (stat.isDirectory()) return existsSync(path.join(entry, 'HEAD')) && existsSync(path.join(entry, 'objects'));
    // A gitfile: `gitdir: <path>` (linked worktrees, submodules).
    return stat.isFile() && stat.size < 4096 && readFileSync(entry, 'utf8').startsWith('gitdir: ');
  } catch {
    return false;
  }
}

/**
 * The repository whose working tree holds `start`, found by walking up from its
 * real path to the first folder with a `.git` entry. A folder is never taken
 * for a bare repository, so a manuscript cannot act as one.
 */
export function findRepository(start: string): Repository | undefined {
  let dir: string;
  try {
    dir = realpathSync(start);
  } catch {
    return undefined;
  }
  for (;;) {
    const entry = path.join(dir, '.git');
    if (isGitEntry(entry)) return { top: dir, gitDir: entry };
    const parent = path.dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

/** The environment git runs with: discovery off, pointed at `repo` only. */
export function gitEnv(repo: Repository, env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(env)) if (!DROPPED_ENV.test(key)) out[key] = value;
  return {
    ...out,
    GIT_DIR: repo.gitDir,
    GIT_WORK_TREE: repo.top,
    GIT_CEILING_DIRECTORIES: path.dirname(repo.top),
    GIT_PAGER: 'cat',
    GIT_TERMINAL_PROMPT: '0',
    GIT_OPTIONAL_LOCKS: '0',
  };
}

/** Subcommands that could hand a diff to `diff.external` or a textconv program (which `-c` cannot unset). */
const DIFFING = new Set(['diff', 'log', 'show']);

/** The whole argument list: overrides first, `--no-ext-diff --no-textconv` after a diffing subcommand. */
export function safeGitArgs(args: readonly string[]): string[] {
  const [command, ...rest] = args;
  const tail =
    command !== undefined && DIFFING.has(command) ? [command, '--no-ext-diff', '--no-textconv', ...rest] : [...args];
  return ['--no-pager', ...SAFE_GIT_CONFIG.flatMap((setting) => ['-c', setting]), ...tail];
}

export interface GitOptions {
  /** Working folder inside the repository (relative pathspecs and `:./` are read from it); default the top. */
  cwd?: string;
  maxBuffer?: number;
  timeout?: number;
  /** Let stderr through (default: captured, part of the thrown error). */
  stderr?: 'pipe' | 'ignore' | 'inherit';
}

/** Runs `git args` against `repo` only; returns stdout. Throws like execFileSync. */
export function runGit(repo: Repository, args: readonly string[], options: GitOptions = {}): string {
  const exec: ExecFileSyncOptions = {
    cwd: options.cwd ?? repo.top,
    encoding: 'utf8',
    env: gitEnv(repo),
    stdio: ['ignore', 'pipe', options.stderr ?? 'pipe'],
    maxBuffer: options.maxBuffer ?? 64 * 1024 * 1024,
    timeout: options.timeout ?? 60_000,
  };
  return execFileSync('git', safeGitArgs(args), exec) as unknown as string;
}

/** `runGit` for the repository holding `folder`; throws a clear error when there is none. */
export function gitAt(folder: string, args: readonly string[], options: Omit<GitOptions, 'cwd'> = {}): string {
  const repo = findRepository(folder);
  if (!repo) throw new Error(`${folder} is not inside a git repository (no .git folder above it)`);
  return runGit(repo, args, { ...options, cwd: realpathSync(folder) });
}

/** A revision that cannot be one (it would read as an option): a usage error, exit 2. */
export class RefError extends Error {}

/**
 * The full commit id `ref` names in `repo`. Every revision a user or a CI
 * template gives reaches git only through here: one starting with `-` would
 * be read as an option (`--output=FILE` truncates FILE), so it is refused
 * before git runs, and the check itself passes it after `--end-of-options`.
 * Callers hand git the returned id, never the text they were given.
 */
export function verifyCommit(repo: Repository, ref: string, cwd?: string): string {
  if (ref === '' || ref.startsWith('-') || /[\0\n]/.test(ref)) {
    throw new RefError(
      `\`${ref}\` is not a git revision: a revision never starts with \`-\` (give a branch, tag or commit)`,
    );
  }
  try {
    return runGit(repo, ['rev-parse', '--verify', '--quiet', '--end-of-options', `${ref}^{commit}`], {
      cwd,
      timeout: 10_000,
    }).trim();
  } catch {
    throw new Error(`\`${ref}\` is not a commit in ${repo.top}`);
  }
}

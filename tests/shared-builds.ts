/**
 * The fixture builds made once per run (tests/setup/shared-builds.ts gives
 * their folder). Read them, never write into them: copy an output before
 * changing it.
 */
import { spawn } from 'node:child_process';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { inject } from 'vitest';
import type { Artifact, BuildSummary } from '../scripts/api/build.ts';
import type { BuildJson } from '../scripts/commands/build.ts';
import { prepare } from '../scripts/api/build.ts';
import { listEditions } from '../scripts/model/book/editions.ts';
import type { LoadedBook } from '../scripts/model/book/load.ts';
import type { Page } from '../scripts/model/pages.ts';
import { SHARED_BUILDS, type SharedBuildName } from './setup/shared-build-list.ts';
import { GALLEY, ROOT } from './helpers.ts';

interface Outcome {
  code: number | null;
  signal?: string | null;
  stdout: string;
  stderr: string;
  ms: number;
}

/** One edition of a shared build: what `galley build --json` says about it. */
export interface BuiltEdition {
  code: string;
  ok: boolean;
  summary: BuildSummary;
  artifacts: Artifact[];
}

/** An edition with the book and pages it was made from (`sharedBuild(name, { pages: true })`). */
export interface SharedEdition extends BuiltEdition {
  book: LoadedBook;
  pages: Page[];
  outSubdir: string;
}

export interface SharedBuild<E extends BuiltEdition = BuiltEdition> {
  /** The output folder (`--out`). */
  dir: string;
  manuscript: string;
  ok: boolean;
  editions: E[];
}

/**
 * Starts `galley build` for a shared build unless another file already has (the lock is the folder `<name>.lock`,
 * which only one mkdir can make); its outcome lands in `<name>.json` when it exits.
 */
async function start(dir: string, name: SharedBuildName): Promise<void> {
  try {
    await mkdir(path.join(dir, `${name}.lock`));
  } catch {
    return;
  }
  const build = SHARED_BUILDS[name];
  const started = Date.now();
  const child = spawn(
    process.execPath,
    [GALLEY, 'build', '--manuscript', build.manuscript, '--out', path.join(dir, name), '--json', ...build.args],
    {
      cwd: ROOT,
      env: { ...process.env, NO_COLOR: '1', SOURCE_DATE_EPOCH: build.epoch, ...build.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  // Written whole under another name, then renamed: the files that wait poll for `<name>.json` and must never read
  // it half-written (a fresh-clone run once failed on a partial file).
  const outcome = async (result: Omit<Outcome, 'ms'>) => {
    const file = path.join(dir, `${name}.json`);
    await writeFile(`${file}.part`, JSON.stringify({ ...result, ms: Date.now() - started }));
    await rename(`${file}.part`, file);
  };
  child.on('close', (code, signal) => void outcome({ code, signal, stdout, stderr }));
  child.on('error', (error) => void outcome({ code: null, stdout, stderr: `${stderr}\n${String(error)}` }));
  if (child.pid) await writeFile(path.join(dir, `${name}.pid`), String(child.pid));
}

/**
 * A shared build, once it is done (started here if no file has asked yet); throws the build's output if it failed.
 * With `pages`, each edition also carries its book and pages: the Markdown half of the build again, in this process
 * (cached, but a few seconds of CPU for the sample book), so only for the files that compare with them.
 */
export async function sharedBuild(
  name: SharedBuildName,
  options: { pages: true; timeout?: number },
): Promise<SharedBuild<SharedEdition>>;
export async function sharedBuild(
  name: SharedBuildName,
  options?: { pages?: false; timeout?: number },
): Promise<SharedBuild>;
export async function sharedBuild(
  name: SharedBuildName,
  { pages: withPages = false, timeout = 600_000 }: { pages?: boolean; timeout?: number } = {},
): Promise<SharedBuild | SharedBuild<SharedEdition>> {
  const dir = inject('sharedBuilds');
  if (!dir) throw new Error('No shared builds: tests/setup/shared-builds.ts is not this project’s globalSetup');
  const { manuscript, epoch, args } = SHARED_BUILDS[name];
  await start(dir, name);
  const deadline = Date.now() + timeout;
  for (;;) {
    const outcome = await readFile(path.join(dir, `${name}.json`), 'utf8').then(
      (text) => JSON.parse(text) as Outcome,
      () => undefined,
    );
    if (outcome) {
      if (outcome.code !== 0) {
        throw new Error(
          `The shared build "${name}" (galley build ${manuscript} ${args.join(' ')}, SOURCE_DATE_EPOCH=${epoch}) ` +
            `failed (exit ${outcome.code ?? outcome.signal}):\n${outcome.stderr}\n${outcome.stdout}`,
        );
      }
      const json = JSON.parse(outcome.stdout) as { ok: boolean; editions: BuiltEdition[] };
      const root = path.join(ROOT, manuscript);
      if (!withPages) return { dir: path.join(dir, name), manuscript: root, ok: json.ok, editions: json.editions };
      const editions = await listEditions(root);
      return {
        dir: path.join(dir, name),
        manuscript: root,
        ok: json.ok,
        editions: await Promise.all(
          json.editions.map(async (built) => {
            const edition = editions.find((e) => e.code === built.code)!;
            // The Markdown-level half of the build again (cheap, and cached): the book and pages tests compare with.
            const { book, pages } = await prepare(edition.root, undefined, {
              boundary: edition.boundary,
              defaults: edition.defaults,
            });
            return { ...built, book, pages, outSubdir: edition.outSubdir };
          }),
        ),
      };
    }
    if (Date.now() > deadline) throw new Error(`The shared build "${name}" did not finish in ${timeout / 1000} s`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** Everything `galley build --json` printed for a shared build, its diagnostics included, once the build is done. */
export async function sharedBuildJson(name: SharedBuildName): Promise<BuildJson> {
  await sharedBuild(name);
  const outcome = JSON.parse(await readFile(path.join(inject('sharedBuilds'), `${name}.json`), 'utf8')) as Outcome;
  return JSON.parse(outcome.stdout) as BuildJson;
}

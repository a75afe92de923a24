/**
 * Adversarial case 20: the same sources built with the same SOURCE_DATE_EPOCH
 * under another clock reading, time zone and locale, from another folder, give
 * byte-identical HTML, EPUB, PDF and web edition. Each build runs `galley build` in its own
 * process, as CI does.
 */
import { execFile } from 'node:child_process';
import { cp, readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chaptersOnThisThread, GALLEY, ROOT, tempDir } from './helpers.ts';
import { ownChromiumEnv } from './light-helpers.ts';
import { SHARED_BUILDS } from './setup/shared-build-list.ts';
import { sharedBuild } from './shared-builds.ts';

const exec = promisify(execFile);
const EPOCH = '1780000000';

// The second build processes its chapters on its main thread; the shared one used a worker: the bytes must agree.
chaptersOnThisThread();

const ENVIRONMENTS = {
  utc: { TZ: 'UTC', LANG: 'C.UTF-8', LC_ALL: 'C.UTF-8' },
  // Fourteen hours ahead of UTC (another calendar day for most of it), right-to-left and comma-decimal locales.
  elsewhere: { TZ: 'Pacific/Kiritimati', LANG: 'fa_IR.UTF-8', LC_ALL: 'de_DE.UTF-8' },
};

async function files(dir: string, sub = ''): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(path.join(dir, sub), { withFileTypes: true })) {
    const rel = path.join(sub, entry.name);
    if (entry.isDirectory()) out.push(...(await files(dir, rel)));
    else out.push(rel);
  }
  return out.sort();
}

describe('reproducible builds across clocks, time zones, locales and folders', () => {
  let work: Awaited<ReturnType<typeof tempDir>>;
  const outs: Record<keyof typeof ENVIRONMENTS, string> = { utc: '', elsewhere: '' };
  /** The folders each build ran in, which its output must not name. */
  const places: Record<keyof typeof ENVIRONMENTS, string[]> = { utc: [], elsewhere: [] };

  beforeAll(async () => {
    work = await tempDir('galley-reproducible-');
    // The first build: `galley build` of tests/books/mini in the repository, in UTC and the C locale, made once per
    // run (tests/setup/shared-builds.ts, whose `mini` entry gives ENVIRONMENTS.utc and the same formats).
    const shared = await sharedBuild('mini');
    expect(SHARED_BUILDS.mini).toMatchObject({ epoch: EPOCH, env: ENVIRONMENTS.utc });
    outs.utc = shared.dir;
    places.utc = [shared.dir, shared.manuscript];
    // The same commit checked out in another place, built later on the clock, elsewhere, with a cache of its own.
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const place = path.join(work.dir, 'checkout-elsewhere');
    await cp(path.join(ROOT, 'tests', 'books', 'mini'), path.join(place, 'book'), { recursive: true });
    outs.elsewhere = path.join(place, 'dist');
    places.elsewhere = [work.dir];
    await exec(
      process.execPath,
      [GALLEY, 'build', '--manuscript', 'book', '--out', 'dist', ...SHARED_BUILDS.mini.args, '--quiet'],
      {
        cwd: place,
        // Its own Chromium, started in this environment: the run's shared one runs in the runner's.
        env: ownChromiumEnv({
          ...process.env,
          ...ENVIRONMENTS.elsewhere,
          SOURCE_DATE_EPOCH: EPOCH,
          GALLEY_CACHE_DIR: path.join(place, 'cache'),
        }),
        maxBuffer: 16 * 1024 * 1024,
      },
    );
  }, 600_000);

  afterAll(() => work?.cleanup());

  it('writes the same files', async () => {
    const [a, b] = [await files(outs.utc), await files(outs.elsewhere)];
    expect(a).toEqual(b);
    expect(a).toContain('mini-book.epub');
    expect(a).toContain('mini-book.pdf');
    expect(a.filter((f) => f.endsWith('.xhtml')).length).toBeGreaterThan(3);
    expect(a).toContain(path.join('web', 'js', 'search-index.js'));
    expect(a).toContain(path.join('web', 'downloads', 'mini-book.pdf'));
  });

  it('gives byte-identical EPUB, PDF, HTML and web site', async () => {
    const different: string[] = [];
    for (const file of await files(outs.utc)) {
      const [a, b] = [await readFile(path.join(outs.utc, file)), await readFile(path.join(outs.elsewhere, file))];
      if (!a.equals(b)) different.push(file);
    }
    expect(different).toEqual([]);
  });

  it('names no folder of the machine it was built on', async () => {
    for (const name of ['utc', 'elsewhere'] as const) {
      for (const file of await files(outs[name])) {
        const bytes = await readFile(path.join(outs[name], file));
        for (const place of places[name]) expect(bytes.includes(place), `${name} ${file}`).toBe(false);
      }
    }
  });
});

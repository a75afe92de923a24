/**
 * `galley check` reports a Mermaid diagram that will not draw exactly as `galley build` does (decision 0016, "Round
 * six: check and diagrams"), takes drawn diagrams from the diagram cache, and starts no Chromium for a book without
 * a diagram. Whether a run started Chromium is read off a stand-in browser: a script named by
 * PUPPETEER_EXECUTABLE_PATH that leaves a mark and exits, so any launch shows and fails; while the file `allow` is
 * there it starts the real Chromium instead, so a run can fill the diagram cache for the stand-in's later runs (the
 * browser is part of a drawing's key).
 */
import { execFile } from 'node:child_process';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { appendFile, chmod, cp, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Diagnostic } from '../scripts/model/diagnostics.ts';
import { findChromium } from '../scripts/render/chromium-path.ts';
import { GALLEY, ROOT, tempDir } from './light-helpers.ts';

const BOOKS = path.join(ROOT, 'tests', 'books', 'check-diagrams');
/**
 * `broken/steps.md`: a fence that draws at 5:1, one whose last arrow points nowhere at 13:1, and at 21:1 a journey,
 * which parses and draws but with HTML labels (`foreignObject`), which the build refuses.
 */
const BROKEN = path.join(BOOKS, 'broken');
/** `valid/flow.md`: the broken book's first fence alone, so its drawing is in the cache once `broken` is checked. */
const VALID = path.join(BOOKS, 'valid');
/** `plain/prose.md`: no diagram, and a code block holding Mermaid text that is no diagram fence. */
const PLAIN = path.join(BOOKS, 'plain');

let work: { dir: string; cleanup: () => Promise<void> };
let fakeChromium: string;
let launches: string;
let allow: string;

beforeAll(async () => {
  work = await tempDir('galley-check-diagrams-');
  launches = path.join(work.dir, 'launches');
  allow = path.join(work.dir, 'allow');
  fakeChromium = path.join(work.dir, 'chromium');
  const real = findChromium();
  await writeFile(
    fakeChromium,
    `#!/bin/sh\necho launched >> '${launches}'\n[ -e '${allow}' ] && exec '${real}' "$@"\nexit 1\n`,
  );
  await chmod(fakeChromium, 0o755);
});
afterAll(() => work.cleanup());

interface Run {
  code: number;
  stdout: string;
}

/** `galley …args` with its own diagram cache; `fake` runs it with the stand-in browser and no shared one. */
function galley(args: string[], cache: string, fake = false): Promise<Run> {
  const env: NodeJS.ProcessEnv = { ...process.env, GALLEY_CACHE_DIR: path.join(work.dir, cache), NO_COLOR: '1' };
  if (fake) {
    env.PUPPETEER_EXECUTABLE_PATH = fakeChromium;
    delete env.GALLEY_BROWSER_WS_ENDPOINT;
  }
  return new Promise((resolve) => {
    execFile(process.execPath, [GALLEY, ...args], { cwd: ROOT, env }, (error, stdout) => {
      resolve({ code: error ? Number(error.code) : 0, stdout });
    });
  });
}

/** How many times a run so far started the stand-in browser. */
const launchCount = () => (existsSync(launches) ? readFileSync(launches, 'utf8').split('\n').length - 1 : 0);

const diagramMessages = (list: Diagnostic[]) => list.filter((d) => d.ruleId === 'diagram');

describe('galley check on Mermaid fences', () => {
  let checked: Run;
  beforeAll(async () => {
    // Drawn by the real Chromium behind the stand-in: the valid fence's drawing is cached under the stand-in's name.
    await writeFile(allow, '');
    checked = await galley(['check', BROKEN, '--format', 'json'], 'cache-a', true);
    await rm(allow);
  }, 60_000);

  it('reports each fence that will not draw at file:line:column with the rule id, and exits 1', () => {
    expect(checked.code).toBe(1);
    const list = JSON.parse(checked.stdout) as Diagnostic[];
    expect(list.map((d) => `${d.file}:${d.line}:${d.column} ${d.severity} ${d.ruleId}`)).toEqual([
      'steps.md:13:1 error diagram',
      'steps.md:21:1 error diagram',
    ]);
    expect(list[0]!.message).toMatch(/^Diagram: Parse error on line 4: .*Expecting .* got 'EOF'$/);
    expect(list[1]!.message).toMatch(/^Diagram: .*\(foreignObject\)/);
  });

  it('says what `galley build` says of the same fence, word for word', async () => {
    const built = await galley(
      ['build', BROKEN, '--format', 'html', '--out', path.join(work.dir, 'out'), '--json'],
      'cache-a',
    );
    expect(built.code).toBe(1);
    const fromBuild = diagramMessages((JSON.parse(built.stdout) as { diagnostics: Diagnostic[] }).diagnostics);
    expect(fromBuild).toHaveLength(2);
    expect(diagramMessages(JSON.parse(checked.stdout) as Diagnostic[])).toEqual(fromBuild);
  }, 60_000);

  it('reports the fences that will not draw again from the diagram cache, without starting Chromium', async () => {
    const before = launchCount();
    const again = await galley(['check', BROKEN, '--format', 'json'], 'cache-a', true);
    expect(again.code).toBe(1);
    expect(JSON.parse(again.stdout)).toEqual(JSON.parse(checked.stdout));
    expect(launchCount() - before).toBe(0);
  });

  it.each([
    ['passes a book whose diagram draws, from the diagram cache, without starting Chromium', VALID, 'cache-a'],
    ['starts no Chromium for a book without a diagram', PLAIN, 'cache-plain'],
  ])('%s', async (_name, book, cache) => {
    const before = launchCount();
    const run = await galley(['check', book, '--format', 'json'], cache, true);
    expect(JSON.parse(run.stdout)).toEqual([]);
    expect(run.code).toBe(0);
    expect(launchCount() - before).toBe(0);
  });

  it('does start one for a diagram the cache does not hold (the stand-in browser is seen when launched)', async () => {
    const before = launchCount();
    const run = await galley(['check', VALID, '--format', 'json'], 'cache-cold', true);
    expect(run.code).toBe(1);
    const list = JSON.parse(run.stdout) as Diagnostic[];
    expect(list.map((d) => `${d.file}:${d.line}:${d.column} ${d.ruleId}`)).toEqual(['flow.md:3:1 diagram']);
    expect(list[0]!.message).toMatch(/^Diagram: Diagrams are drawn by Chromium: Chromium \(.*\) did not start/);
    expect(launchCount() - before).toBe(1);
  });

  it('with --changed-since, draws only the changed chapters’ diagrams', async () => {
    const repo = path.join(work.dir, 'repo');
    await cp(BROKEN, repo, { recursive: true });
    const git = (...args: string[]) =>
      execFileSync('git', ['-c', 'user.name=Test', '-c', 'user.email=test@example.org', ...args], { cwd: repo });
    git('init', '-q');
    git('add', '.');
    git('commit', '-q', '-m', 'book');
    const args = ['check', repo, '--format', 'json', '--changed-since', 'HEAD'];
    let before = launchCount();
    const unchanged = await galley(args, 'cache-changed', true);
    expect(JSON.parse(unchanged.stdout)).toEqual([]);
    expect(unchanged.code).toBe(0);
    expect(launchCount() - before).toBe(0);

    await appendFile(path.join(repo, 'steps.md'), '\nOne more line.\n');
    before = launchCount();
    const changed = await galley(args, 'cache-changed', true);
    expect(changed.code).toBe(1);
    const list = JSON.parse(changed.stdout) as Diagnostic[];
    expect(list.map((d) => `${d.file}:${d.line} ${d.ruleId}`)).toEqual([
      'steps.md:5 diagram',
      'steps.md:13 diagram',
      'steps.md:21 diagram',
    ]);
    expect(launchCount() - before).toBe(1);
  });

  it('warns, without Chromium installed, that a diagram went unchecked, where the build errs', async () => {
    const [{ prepare }, { checkDiagrams }, { BrowserNotFoundError }] = await Promise.all([
      import('../scripts/passes/pipeline.ts'),
      import('../scripts/checks/diagrams.ts'),
      import('../scripts/render/browser.ts'),
    ]);
    const { book, cache } = await prepare(VALID, undefined, { cache: false });
    await checkDiagrams(book, cache, {
      browser: () => Promise.reject(new BrowserNotFoundError(['/nowhere/chromium'])),
    });
    const messages = book.chapters[0]!.file.messages.map(
      (m) => `${m.line}:${m.column} ${m.fatal} ${m.ruleId} ${m.reason}`,
    );
    expect(messages).toEqual([
      expect.stringMatching(
        /^3:1 false diagram-unchecked Diagram: Diagrams are drawn by Chromium: No Chromium found .*PUPPETEER_EXECUTABLE_PATH/,
      ),
    ]);
  });
});

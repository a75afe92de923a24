/**
 * What a `galley` process loads (docs/decisions/0027-faster-round-two.md, "Round five: what a galley process
 * loads"): nearly all of a small book's build is module loading, so a package a command does not use must not be
 * loaded by it. Each build here runs the compiled CLI under a module hook that writes every URL any thread loads
 * (the main thread and the chapter worker alike) to a log, and the log is read afterwards.
 */
import { spawn } from 'node:child_process';
import { cp, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import remarkMathPackage from 'remark-math';
import remarkParse from 'remark-parse';
import { unified } from 'unified';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { remarkMath } from '../scripts/util/math-syntax.ts';
import { GALLEY, ROOT, tempDir } from './light-helpers.ts';

/** Node's module hooks (module.register): every loaded URL, one a line, appended to GALLEY_LOAD_LOG. */
const HOOK = `import { register } from 'node:module';
register('data:text/javascript,' + encodeURIComponent(\`
import { appendFileSync } from 'node:fs';
export async function load(url, context, next) {
  appendFileSync(process.env.GALLEY_LOAD_LOG, url + '\\\\n');
  return next(url, context);
}\`));
`;

/** Packages no build of the two-chapter book needs, whatever its formats (the PDF's own are checked below). */
const NEVER = ['chokidar', 'katex', 'diff', 'cli-progress'];
/** What only the PDF (and the print checks) use. */
const PRINT = ['puppeteer-core', '@cantoo/pdf-lib', 'culori'];

/** The packages in a load log, by name. */
function packages(log: string): Set<string> {
  const names = new Set<string>();
  for (const url of log.split('\n')) {
    const match = /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url);
    if (match) names.add(match[1]!);
  }
  return names;
}

describe('what a galley process loads', () => {
  let work: Awaited<ReturnType<typeof tempDir>>;
  let hook: string;
  beforeAll(async () => {
    work = await tempDir('galley-start-up-');
    hook = path.join(work.dir, 'record-loads.mjs');
    await writeFile(hook, HOOK);
    await cp(path.join(ROOT, 'tests', 'books', 'mini'), path.join(work.dir, 'mini'), { recursive: true });
  });
  afterAll(async () => {
    await work.cleanup();
  });

  /** Runs `node …args` (the CLI and its arguments, or a script) under the hook; the packages it loaded and its exit. */
  async function loaded(name: string, args: string[]) {
    const log = path.join(work.dir, `${name}.log`);
    await writeFile(log, '');
    const code = await new Promise<number | null>((resolve) => {
      const child = spawn(process.execPath, ['--import', hook, ...args], {
        cwd: work.dir,
        env: { ...process.env, NO_COLOR: '1', GALLEY_LOAD_LOG: log, GALLEY_CACHE_DIR: path.join(work.dir, 'cache') },
        stdio: 'ignore',
      });
      const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
      child.on('close', (exit) => {
        clearTimeout(timer);
        resolve(exit);
      });
    });
    return { code, names: packages(await readFile(log, 'utf8')) };
  }

  it('an HTML build loads neither the print packages, the watcher, KaTeX nor the text reporter', async () => {
    const { code, names } = await loaded('html', [GALLEY, 'build', 'mini', '--out', 'out-html', '--format', 'html']);
    expect(code).toBe(0);
    // The log is real: the config schema, the Markdown parser and the math engine of the chapter with a formula.
    for (const used of ['zod', 'micromark', 'temml']) expect(names).toContain(used);
    for (const unused of [...NEVER, ...PRINT, 'vfile-reporter']) expect(names).not.toContain(unused);
    // The formula still went through the math syntax (read without KaTeX's half of its package).
    const page = await readFile(path.join(work.dir, 'out-html', 'html', 'chapters-one.xhtml'), 'utf8');
    expect(page).toMatch(/<math[^>]*>.*<mi>E<\/mi>/s);
  });

  it('an EPUB build and a check load no print package either, and a check not the site writer', async () => {
    const epub = await loaded('epub', [GALLEY, 'build', 'mini', '--out', 'out-epub', '--format', 'epub']);
    expect(epub.code).toBe(0);
    expect(epub.names).toContain('fflate');
    for (const unused of [...NEVER, ...PRINT]) expect(epub.names).not.toContain(unused);
    const check = await loaded('check', [GALLEY, 'check', 'mini']);
    expect(check.code).not.toBeNull();
    expect(check.names).toContain('vfile-reporter');
    // The redirect check reads the web edition's paths, not its writer (selectors, search index, HTML writer).
    for (const unused of [...NEVER, ...PRINT, 'hast-util-select', 'minisearch'])
      expect(check.names).not.toContain(unused);
  });

  it('importing the package loads no browser, pdf-lib, watcher or web edition until an entry needs one', async () => {
    const script = path.join(work.dir, 'import-package.mjs');
    const entry = path.join(ROOT, 'lib', 'index.js');
    await writeFile(
      script,
      `const galley = await import(${JSON.stringify(entry)});\nif (typeof galley.startDev !== 'function') process.exit(3);\n`,
    );
    const { code, names } = await loaded('package', [script]);
    expect(code).toBe(0);
    expect(names).toContain('zod');
    for (const unused of [...PRINT, 'chokidar', 'hast-util-select', 'minisearch']) expect(names).not.toContain(unused);
  });
});

describe('remark-math over the syntax file', () => {
  const sample = [
    'Inline $$a^2$$ and $b$ and $$\\frac{1}{2}$$.',
    '',
    '$$',
    '\\sum_{i=1}^n i',
    '$$',
    '',
    '- item with $$x$$',
    '',
    '    $$ indented code $$',
  ].join('\n');

  it('parses exactly as remark-math does, with and without single-dollar math', () => {
    for (const options of [undefined, { singleDollarTextMath: false }, { singleDollarTextMath: true }]) {
      const ours = unified().use(remarkParse).use(remarkMath, options).parse(sample);
      const theirs = unified().use(remarkParse).use(remarkMathPackage, options).parse(sample);
      expect(JSON.stringify(ours)).toBe(JSON.stringify(theirs));
      expect(JSON.stringify(ours)).toContain('"type":"inlineMath"');
    }
  });
});

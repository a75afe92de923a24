/**
 * The package as an author installs it: `npm pack`, then an install with
 * production dependencies only into an empty folder, then the installed
 * `galley` (and `import('galley')`) away from this repository. The install
 * runs offline (`npm ci --offline`) from a lockfile made of this repository's
 * own, so it needs only the npm cache `npm ci` filled, never the network.
 * The install runs with no environment beyond PATH, a fresh HOME and that
 * cache: no PUPPETEER_SKIP_DOWNLOAD, and nothing may try to fetch a browser.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, readFile, readdir, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runEpubcheck } from '../scripts/checks/epubcheck.ts';
import { ROOT, tempDir } from './helpers.ts';

const exec = promisify(execFile);
const NPM = process.platform === 'win32' ? 'npm.cmd' : 'npm';

interface PackageJson {
  name: string;
  version: string;
  license: string;
  bin: Record<string, string>;
  engines: Record<string, string>;
  dependencies: Record<string, string>;
}

let work: Awaited<ReturnType<typeof tempDir>>;
let app: string;
let home: string;
let files: string[];
let installLog: string;
const env: NodeJS.ProcessEnv = {
  ...process.env,
  CI: '1',
  npm_config_audit: 'false',
  npm_config_fund: 'false',
  npm_config_update_notifier: 'false',
};
delete env.PUPPETEER_SKIP_DOWNLOAD;

async function galley(args: string[]) {
  try {
    const { stdout, stderr } = await exec(path.join(app, 'node_modules', '.bin', 'galley'), args, {
      cwd: app,
      env,
      maxBuffer: 16 * 1024 * 1024,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

beforeAll(async () => {
  work = await tempDir('galley-package-');
  app = path.join(work.dir, 'app');
  const pkg = JSON.parse(await readFile(path.join(ROOT, 'package.json'), 'utf8')) as PackageJson;
  // lib/ is current (tests/setup/compiled.ts): no second compile through `prepare`.
  const { stdout } = await exec(NPM, ['pack', '--ignore-scripts', '--json', '--pack-destination', work.dir], {
    cwd: ROOT,
    env,
  });
  const [packed] = JSON.parse(stdout) as { filename: string; files: { path: string }[] }[];
  files = packed!.files.map((f) => f.path).sort();
  const tarball = `file:../${packed!.filename}`;

  // Exactly the versions this repository's lockfile installs, minus the development ones, under the app.
  const lock = JSON.parse(await readFile(path.join(ROOT, 'package-lock.json'), 'utf8')) as {
    packages: Record<string, { dev?: boolean }>;
  };
  const packages: Record<string, unknown> = { '': { name: 'app', dependencies: { galley: tarball } } };
  for (const [key, value] of Object.entries(lock.packages)) if (key && !value.dev) packages[key] = value;
  const bytes = await readFile(path.join(work.dir, packed!.filename));
  packages['node_modules/galley'] = {
    version: pkg.version,
    resolved: tarball,
    integrity: `sha512-${createHash('sha512').update(bytes).digest('base64')}`,
    license: pkg.license,
    dependencies: pkg.dependencies,
    bin: pkg.bin,
    engines: pkg.engines,
  };
  await mkdir(app, { recursive: true });
  await writeFile(
    path.join(app, 'package.json'),
    JSON.stringify({ name: 'app', private: true, dependencies: { galley: tarball } }, null, 2),
  );
  await writeFile(
    path.join(app, 'package-lock.json'),
    JSON.stringify({ name: 'app', lockfileVersion: 3, requires: true, packages }, null, 2),
  );
  // What an author's machine has: no Galley or Puppeteer variable, a HOME of its own (where Puppeteer would cache a browser).
  home = path.join(work.dir, 'home');
  await mkdir(home);
  // Under `npm test` or `npx`, npm has put its cache folder in the environment: no second npm to ask it.
  const cache =
    process.env.npm_config_cache || (await exec(NPM, ['config', 'get', 'cache'], { cwd: ROOT, env })).stdout;
  const clean = {
    PATH: process.env.PATH ?? '',
    HOME: home,
    npm_config_cache: cache.trim(),
    npm_config_audit: 'false',
    npm_config_fund: 'false',
    npm_config_update_notifier: 'false',
  };
  const installed = await exec(NPM, ['ci', '--offline', '--omit=dev', '--foreground-scripts'], {
    cwd: app,
    env: clean,
    maxBuffer: 16 * 1024 * 1024,
  });
  installLog = installed.stdout + installed.stderr;
}, 600_000);
afterAll(() => work?.cleanup());

describe('the packed package', () => {
  it('ships only what runs: compiled code, templates, licence and README', () => {
    const outside = files.filter(
      (f) => !/^(lib\/.+\.(js|d\.ts)|templates\/.+|LICENSE|README\.md|package\.json)$/.test(f),
    );
    expect(outside).toEqual([]);
    expect(files).toContain('lib/galley.js');
    expect(files).toContain('lib/passes/cache/worker.js');
    expect(files).toContain('templates/starter/book.yaml');
    expect(files.some((f) => /^(tests|manuscript|docs|scripts)\//.test(f))).toBe(false);
  });

  it('runs from another folder with production dependencies only: --version, init, build (EPUBCheck clean, PDF), check', async () => {
    const { version } = JSON.parse(await readFile(path.join(ROOT, 'package.json'), 'utf8')) as { version: string };
    expect(await galley(['--version'])).toMatchObject({ code: 0, stdout: `${version}\n` });
    // No development tool is installed beside it.
    await expect(exec(process.execPath, ['-e', "import('tsx')"], { cwd: app })).rejects.toThrow();

    expect((await galley(['init', 'b', '--title', 'Packed', '--author', 'A. Author'])).code).toBe(0);
    const built = await galley(['build', 'b', '--json']);
    expect(built.code, built.stderr).toBe(0);
    const artifacts = (
      JSON.parse(built.stdout) as { editions: { artifacts: { format: string; path: string; pages?: number }[] }[] }
    ).editions[0]!.artifacts;
    expect(artifacts.map((a) => a.format)).toEqual(['html', 'epub', 'pdf', 'web']);
    const epub = artifacts.find((a) => a.format === 'epub')!.path;
    expect(path.dirname(epub)).toBe(path.join(app, 'dist'));
    const result = await runEpubcheck(epub);
    expect([result.fatals, result.errors, result.warnings]).toEqual([0, 0, 0]);
    expect(artifacts.find((a) => a.format === 'pdf')!.pages).toBeGreaterThan(3);
    const info = await exec('pdfinfo', [artifacts.find((a) => a.format === 'pdf')!.path]);
    expect(info.stdout).toMatch(/^Pages:\s+\d+/m);

    const checked = await galley(['check', 'b']);
    expect(checked.code, checked.stdout).toBe(0);
    expect(checked.stdout).toContain('no issues found');
  }, 300_000);

  it('installs without an environment variable and downloads no browser', async () => {
    // Only puppeteer-core, which has no install script; the full puppeteer (which fetches Chrome) is not installed.
    await expect(stat(path.join(app, 'node_modules', 'puppeteer-core'))).resolves.toBeTruthy();
    await expect(stat(path.join(app, 'node_modules', 'puppeteer'))).rejects.toThrow();
    const lock = JSON.parse(await readFile(path.join(app, 'node_modules', '.package-lock.json'), 'utf8')) as {
      packages: Record<string, { hasInstallScript?: boolean }>;
    };
    expect(Object.keys(lock.packages).filter((k) => lock.packages[k]!.hasInstallScript)).toEqual([]);
    expect(installLog).not.toMatch(/chrome|chromium|browser/i);
    expect(await readdir(home)).not.toContain('.cache');
    // `bin` entries run: npm made them executable, and so does `npm run compile` in a checkout.
    expect((await stat(path.join(app, 'node_modules', 'galley', 'lib', 'galley.js'))).mode & 0o111).not.toBe(0);
    expect((await stat(path.join(ROOT, 'lib', 'galley.js'))).mode & 0o111).not.toBe(0);
    expect((await stat(path.join(ROOT, 'lib', 'mdbook-galley.js'))).mode & 0o111).not.toBe(0);
  });

  it('is publishable: not private, with repository, keywords, engines, publishConfig and both commands', async () => {
    const pkg = JSON.parse(await readFile(path.join(ROOT, 'package.json'), 'utf8')) as Record<string, unknown>;
    expect(pkg.private).toBeUndefined();
    expect(pkg).toMatchObject({
      repository: { type: 'git' },
      engines: { node: expect.any(String) as unknown },
      publishConfig: { access: 'public' },
      bin: { galley: 'lib/galley.js', 'mdbook-galley': 'lib/mdbook-galley.js' },
    });
    expect((pkg.keywords as string[]).length).toBeGreaterThan(3);
    expect(files).toContain('lib/mdbook-galley.js');
    expect(Object.keys(pkg.dependencies as object)).not.toContain('puppeteer');
  });

  it('imports as a library, with its types', async () => {
    const { stdout } = await exec(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        "const g = await import('galley'); console.log(typeof g.build, typeof g.prepare, typeof g.loadBook)",
      ],
      { cwd: app },
    );
    expect(stdout.trim()).toBe('function function function');
    expect(files).toContain('lib/index.d.ts');
  });
});

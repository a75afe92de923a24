/**
 * The GitHub Action (action.yml): its shell steps run in order, as the runner
 * would run them, on a copy of a fixture book, with the inputs reaching each
 * step through its `env:` and GITHUB_ENV / GITHUB_OUTPUT files carried from
 * step to step. The steps that `uses:` another action (actions/setup-node,
 * actions/upload-artifact) are not run: Node is already here, and the upload
 * is checked by the path it would upload. The system-packages step does run;
 * it installs only what is missing, and here nothing is (the test says so if
 * it would install). Galley itself is this checkout's compiled lib/ (the
 * install step uses it when it is there instead of `npm ci` in the action's
 * folder).
 */
import { execFile } from 'node:child_process';
import { cp, readFile, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { chaptersOnThisThread, GALLEY, ROOT, tempDir } from './helpers.ts';

const exec = promisify(execFile);

interface Step {
  name: string;
  id?: string;
  if?: string;
  uses?: string;
  run?: string;
  shell?: string;
  env?: Record<string, string>;
  with?: Record<string, string>;
}
interface Action {
  inputs: Record<string, { default?: string }>;
  runs: { using: string; steps: Step[] };
}

const source = await readFile(path.join(ROOT, 'action.yml'), 'utf8');
const action = parse(source) as Action;

chaptersOnThisThread();

let work: Awaited<ReturnType<typeof tempDir>>;
beforeAll(async () => {
  work = await tempDir('galley-action-');
});
afterAll(() => work?.cleanup());

/** Runs the action's steps; returns each step's outcome and output. */
async function runAction(repo: string, given: Record<string, string>) {
  const inputs = Object.fromEntries(
    Object.entries(action.inputs).map(([k, v]) => [k, given[k] ?? v.default ?? '']),
  ) as Record<string, string>;
  const temp = path.join(repo, '..', 'runner-temp');
  const files = { GITHUB_ENV: 'env', GITHUB_OUTPUT: 'output', GITHUB_PATH: 'path' };
  const outputs: Record<string, Record<string, string>> = {};
  let carried: Record<string, string> = {};
  /** The expressions action.yml uses in `env:`, `with:` and `if:`, and nothing else. */
  const evaluate = (text: string) =>
    text.replace(/\$\{\{\s*([\w.-]+)\s*\}\}/g, (_, name: string) => {
      const [scope, key, ...rest] = name.split('.');
      if (scope === 'inputs') return inputs[key!] ?? '';
      if (scope === 'github' && key === 'action_path') return ROOT;
      if (scope === 'runner' && key === 'temp') return temp;
      if (scope === 'steps' && rest[0] === 'outputs') return outputs[key!]?.[rest[1]!] ?? '';
      throw new Error(`expression not known to the test: ${name}`);
    });
  const results: { name: string; ran: boolean; code: number; stdout: string; stderr: string }[] = [];
  for (const step of action.runs.steps) {
    const condition = step.if && /^inputs\.([\w-]+) == '(.*)'$/.exec(step.if);
    if (step.if && !condition) throw new Error(`condition not known to the test: ${step.if}`);
    if (condition && inputs[condition[1]!] !== condition[2]) {
      results.push({ name: step.name, ran: false, code: 0, stdout: '', stderr: '' });
      continue;
    }
    if (step.uses) {
      results.push({ name: step.name, ran: false, code: 0, stdout: '', stderr: '' });
      if (step.uses.startsWith('actions/upload-artifact'))
        outputs.upload = Object.fromEntries(Object.entries(step.with ?? {}).map(([k, v]) => [k, evaluate(v)]));
      continue;
    }
    const paths = Object.fromEntries(
      Object.entries(files).map(([variable, name]) => [variable, path.join(temp, `${step.id ?? 'step'}-${name}`)]),
    );
    await exec('mkdir', ['-p', temp]);
    for (const file of Object.values(paths)) await writeFile(file, '');
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      PUPPETEER_EXECUTABLE_PATH: process.env.PUPPETEER_EXECUTABLE_PATH,
      GALLEY_CACHE_DIR: process.env.GALLEY_CACHE_DIR,
      // The test's setting, not the runner's: chapters on the main thread (helpers.ts, chaptersOnThisThread).
      GALLEY_WORKERS: process.env.GALLEY_WORKERS,
      GITHUB_ACTION_PATH: ROOT,
      RUNNER_TEMP: temp,
      ...paths,
      ...carried,
      ...Object.fromEntries(Object.entries(step.env ?? {}).map(([k, v]) => [k, evaluate(v)])),
    };
    let result: { code: number; stdout: string; stderr: string };
    try {
      const { stdout, stderr } = await exec('bash', ['-e', '-c', step.run!], { cwd: repo, env, maxBuffer: 1 << 24 });
      result = { code: 0, stdout, stderr };
    } catch (error) {
      const e = error as { code: number; stdout: string; stderr: string };
      result = { code: e.code, stdout: e.stdout, stderr: e.stderr };
    }
    results.push({ name: step.name, ran: true, ...result });
    const lines = (file: string) =>
      readFile(file, 'utf8').then((t) =>
        Object.fromEntries(
          t
            .split('\n')
            .filter(Boolean)
            .map((l) => l.split(/=(.*)/s))
            .map(([key = '', value = '']) => [key, value] as const),
        ),
      );
    carried = { ...carried, ...(await lines(paths.GITHUB_ENV!)) };
    if (step.id) outputs[step.id] = await lines(paths.GITHUB_OUTPUT!);
    // A failed step stops the job, as on GitHub.
    if (result.code !== 0) break;
  }
  return { results, outputs };
}

describe('action.yml', () => {
  it('is a composite action whose shell scripts interpolate nothing, and pins the actions it uses by commit', () => {
    expect(action.runs.using).toBe('composite');
    for (const step of action.runs.steps) if (step.uses) expect(step.uses, step.name).toMatch(/@[0-9a-f]{40}$/);
    expect(source).toMatch(/npm ci --ignore-scripts/);
    for (const step of action.runs.steps) if (step.run) expect(step.run, step.name).not.toContain('${{');
    expect(source).not.toMatch(/github\.event\./);
    expect(source).not.toMatch(/^on:/m);
  });

  it('checks a clean book, builds it and hands the output folder to the upload', async () => {
    const repo = path.join(work.dir, 'clean', 'repo');
    await cp(path.join(ROOT, 'tests', 'books', 'mini'), path.join(repo, 'book'), { recursive: true });
    const { results, outputs } = await runAction(repo, { book: 'book', build: 'true', formats: 'epub', out: 'out' });
    const ran = results.filter((r) => r.ran);
    expect(ran.map((r) => [r.name, r.code])).toEqual([
      ['Install system packages', 0],
      ['Install Galley', 0],
      ['Check the book', 0],
      ['Build the book', 0],
    ]);
    // Every tool was already here: the step found them and installed nothing.
    expect(ran[0]!.stdout, 'this machine lacks a system package the action would install').not.toContain('Installing');
    // Annotations, not text: a warning in the fixture shows on its line.
    expect(ran[2]!.stdout).toMatch(/^::warning file=book\/SUMMARY\.md,line=\d+,col=\d+,title=toc-entry::/m);
    expect(outputs.upload).toMatchObject({ path: 'out', name: 'book' });
    expect((await readdir(path.join(repo, 'out'))).filter((f) => f.endsWith('.epub'))).toHaveLength(1);
  }, 240_000);

  it('fails the check on a broken link with an error annotation at its line, and does not build', async () => {
    const repo = path.join(work.dir, 'broken', 'repo');
    await cp(path.join(ROOT, 'tests', 'books', 'mini'), path.join(repo, 'book'), { recursive: true });
    const chapter = path.join(repo, 'book', 'preface.md');
    const text = await readFile(chapter, 'utf8');
    await writeFile(chapter, `${text}\nSee [nowhere](missing-page.md).\n`);
    const line = text.split('\n').length + 1;
    const { results } = await runAction(repo, { book: 'book', build: 'true' });
    const check = results.find((r) => r.name === 'Check the book')!;
    expect(check.code).toBe(1);
    expect(check.stdout).toContain(`::error file=book/preface.md,line=${line},`);
    expect(results.find((r) => r.name === 'Build the book')).toBeUndefined();
  }, 240_000);
});

describe('the workflow `galley init` writes', () => {
  it('uses the action at this version, from --action-repo or else the marked placeholder', async () => {
    const { version } = JSON.parse(await readFile(path.join(ROOT, 'package.json'), 'utf8')) as { version: string };
    for (const [args, expected] of [
      [['--action-repo', 'acme/galley'], `acme/galley@v${version}`],
      [[], `OWNER/galley@v${version}`],
    ] as const) {
      const dir = path.join(work.dir, `init-${args.length}`);
      await exec(process.execPath, [GALLEY, 'init', dir, '--title', 'T', '--author', 'A', ...args]);
      const text = await readFile(path.join(dir, '.github', 'workflows', 'check.yml'), 'utf8');
      const workflow = parse(text) as { on: string[]; jobs: { check: { steps: Step[] } } };
      expect(workflow.on).toEqual(['push', 'pull_request']);
      const steps = workflow.jobs.check.steps;
      expect(steps.map((s) => s.uses)).toEqual([expect.stringMatching(/^actions\/checkout@/), expected]);
      expect(steps.some((s) => s.run)).toBe(false);
      expect(text).not.toContain('pull_request_target');
    }
    await expect(
      exec(process.execPath, [GALLEY, 'init', path.join(work.dir, 'bad'), '--action-repo', 'x; rm -rf /']),
    ).rejects.toMatchObject({ code: 2 });
  }, 60_000);
});

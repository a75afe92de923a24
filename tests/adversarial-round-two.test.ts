/** Adversarial round two (issue 14): git, every address notation, patterns that cannot hang, hangs that end. */
import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { VFile } from 'vfile';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { prepare, type BuildResult } from '../scripts/api/build.ts';
import { chaptersOnThisThread, tempDir } from './helpers.ts';
import { withEnv } from '../scripts/util/env.ts';
import { execFileSync } from 'node:child_process';
import { chmod } from 'node:fs/promises';
import { buildDate } from '../scripts/util/build-date.ts';
import { gitShow } from '../scripts/checks/errata-changes.ts';
import { findRepository, runGit } from '../scripts/util/git.ts';
import { changedFiles, check, externalAllowed } from '../scripts/api/check.ts';
import { checkExternalLinks } from '../scripts/checks/external-links.ts';
import { isPrivateAddress } from '../scripts/checks/private-address.ts';
import { compilePattern, globMatch, PatternTimeout, RegexBudget } from '../scripts/checks/link-patterns.ts';
import { sniffImage } from '../scripts/model/book/assets.ts';
import { sanitizeSvg } from '../scripts/model/book/svg.ts';
import { loadBibliography } from '../scripts/model/dialects/bibliography.ts';
import { startCanary, miniBook, buildMini, rawGit } from './adversarial/shared.ts';

describe("round two: git runs only against the author's repository, with nothing that runs a program", () => {
  let work: Awaited<ReturnType<typeof tempDir>>;
  let marker: string;
  let evil: string;
  const ran = () => existsSync(marker);

  beforeAll(async () => {
    work = await tempDir('galley-git-');
    marker = path.join(work.dir, 'ran');
    evil = path.join(work.dir, 'evil.sh');
    await writeFile(evil, `#!/bin/sh\necho ran >> '${marker}'\n`);
    await chmod(evil, 0o755);
  });
  afterAll(() => work?.cleanup());

  /**
   * The attack: a book folder committed with a bare-repository layout whose
   * `config` runs ./evil.sh through `log.showSignature` + `gpg.program` and
   * `core.fsmonitor`, and whose only commit (with a gpgsig header) is dated 2001.
   */
  async function bareLayoutClone(): Promise<string> {
    const outer = path.join(work.dir, 'outer');
    const inner = path.join(work.dir, 'inner');
    const book = path.join(outer, 'book');
    await mkdir(book, { recursive: true });
    rawGit(outer, ['init', '-q']);
    await writeFile(path.join(book, 'book.yaml'), 'title: "Bare"\nauthors: ["M"]\n');
    await writeFile(path.join(book, 'one.md'), '# One\n\nText.\n');
    rawGit(work.dir, ['init', '-q', '--bare', inner]);
    const tree = rawGit(inner, ['mktree'], '');
    const commit = rawGit(
      inner,
      ['hash-object', '-t', 'commit', '-w', '--stdin'],
      `tree ${tree}\nauthor e <e@x> 1000000000 +0000\ncommitter e <e@x> 1000000000 +0000\ngpgsig -----BEGIN PGP SIGNATURE-----\n \n iQEzBAABCAAdFiEE\n -----END PGP SIGNATURE-----\n\nforged\n`,
    );
    rawGit(inner, ['update-ref', 'refs/heads/main', commit]);
    rawGit(inner, ['symbolic-ref', 'HEAD', 'refs/heads/main']);
    execFileSync('cp', ['-r', path.join(inner, 'HEAD'), path.join(inner, 'objects'), path.join(inner, 'refs'), book]);
    await writeFile(
      path.join(book, 'config'),
      '[core]\n\trepositoryformatversion = 0\n\tbare = true\n\tfsmonitor = ./evil.sh\n[log]\n\tshowSignature = true\n[gpg]\n\tprogram = ./evil.sh\n[diff]\n\texternal = ./evil.sh\n',
    );
    await writeFile(path.join(book, 'evil.sh'), `#!/bin/sh\necho ran >> '${marker}'\n`);
    await chmod(path.join(book, 'evil.sh'), 0o755);
    rawGit(outer, ['add', '-A']);
    rawGit(outer, ['commit', '-qm', 'book']);
    rawGit(work.dir, ['clone', '-q', outer, 'clone']);
    return path.join(work.dir, 'clone', 'book');
  }

  it('a manuscript with a bare-repository layout runs nothing, and the build date comes from the real repository', async () => {
    const manuscript = await bareLayoutClone();
    // The oracle: plain git started in the folder does run the manuscript's program.
    rawGit(manuscript, ['log', '-1', '--format=%ct']);
    expect(ran()).toBe(true);
    await rm(marker);

    expect(findRepository(manuscript)?.top).toBe(path.join(work.dir, 'clone'));
    expect(buildDate(manuscript, {}).getTime()).toBe(2_000_000_000 * 1000);
    expect([...changedFiles(manuscript, 'HEAD')]).toEqual([]);
    await writeFile(path.join(manuscript, 'one.md'), '# One\n\nChanged.\n');
    expect([...changedFiles(manuscript, 'HEAD')]).toEqual(['one.md']);
    expect(gitShow('HEAD', path.join(manuscript, 'one.md'))).toBe('# One\n\nText.\n');
    expect(ran()).toBe(false);
  });

  it('a manuscript outside any repository gets no date from a repository it pretends to be', () => {
    const lone = path.join(work.dir, 'lone');
    execFileSync('cp', ['-r', path.join(work.dir, 'clone', 'book'), lone]);
    expect(findRepository(lone)).toBeUndefined();
    expect(buildDate(lone, {}).getTime()).not.toBe(1_000_000_000 * 1000);
    expect(() => changedFiles(lone, 'HEAD')).toThrow(/not inside one/);
    expect(gitShow('HEAD', path.join(lone, 'one.md'))).toBeUndefined();
    expect(ran()).toBe(false);
  });

  // Settings of the author's own repository that run programs are overridden too (each one alone).
  const SETTINGS: [string, string][] = [
    ['log.showSignature + gpg.program', '[log]\n\tshowSignature = true\n[gpg]\n\tprogram = EVIL\n'],
    ['core.fsmonitor', '[core]\n\tfsmonitor = EVIL\n'],
    ['core.pager', '[core]\n\tpager = EVIL\n[pager]\n\tlog = EVIL\n\tshow = EVIL\n\tdiff = EVIL\n'],
    ['diff.external', '[diff]\n\texternal = EVIL\n'],
  ];
  for (const [name, config] of SETTINGS) {
    it(`overrides ${name} in the repository's config`, async () => {
      const repo = path.join(work.dir, `repo-${name.replace(/\W+/g, '-')}`);
      const book = path.join(repo, 'book');
      await mkdir(book, { recursive: true });
      rawGit(repo, ['init', '-q']);
      await writeFile(path.join(book, 'one.md'), '# One\n');
      rawGit(repo, ['add', '-A']);
      const tree = rawGit(repo, ['write-tree']);
      const signed = rawGit(
        repo,
        ['hash-object', '-t', 'commit', '-w', '--stdin'],
        `tree ${tree}\nauthor e <e@x> 2000000000 +0000\ncommitter e <e@x> 2000000000 +0000\ngpgsig -----BEGIN PGP SIGNATURE-----\n \n iQEzBAABCAAdFiEE\n -----END PGP SIGNATURE-----\n\nsigned\n`,
      );
      rawGit(repo, ['update-ref', 'HEAD', signed]);
      const file = path.join(repo, '.git', 'config');
      await writeFile(file, (await readFile(file, 'utf8')) + config.replaceAll('EVIL', evil));
      await writeFile(path.join(book, 'one.md'), '# One, changed\n');
      if (existsSync(marker)) await rm(marker);
      expect(buildDate(book, {}).getTime()).toBe(2_000_000_000 * 1000);
      expect([...changedFiles(book, 'HEAD')]).toEqual(['one.md']);
      expect(gitShow('HEAD', path.join(book, 'one.md'))).toBe('# One\n');
      runGit(findRepository(book)!, ['diff', 'HEAD', '--', '.'], { cwd: book });
      runGit(findRepository(book)!, ['log', '-1', '-p'], { cwd: book });
      expect(ran()).toBe(false);
    });
  }
});

describe('round two: one address test for every notation, and no network because book.yaml says so', () => {
  // Chapters on this thread: no worker to start per prepare() or check() (the hangs below keep theirs).
  chaptersOnThisThread();
  // Every way to write 127.0.0.1 (and friends) the URL parser lets through, and the forms it produces.
  const PRIVATE = [
    '127.0.0.1',
    '::ffff:127.0.0.1',
    '::ffff:7f00:1',
    '[::ffff:7f00:1]',
    '0:0:0:0:0:ffff:7f00:1',
    '::ffff:0:7f00:1',
    '::127.0.0.1',
    '::7f00:1',
    '64:ff9b::7f00:1',
    '64:ff9b::127.0.0.1',
    '64:ff9b::a9fe:a9fe',
    '64:ff9b:1::1',
    '2002:7f00:1::1',
    '2002:c0a8:101::',
    '2002:a00:1::',
    '2001:0:4136:e378:8000:63bf:80ff:fffe',
    '2001:0:7f00:1::1',
    'fe80::5efe:127.0.0.1',
    '2001:db8::200:5efe:a00:1',
    'fe80::1%eth0',
    '::ffff:169.254.169.254',
    '::ffff:a9fe:a9fe',
    '::ffff:10.0.0.1',
    '::ffff:192.168.0.1',
    '::ffff:100.64.0.1',
    '::',
    '::1',
    '0::1',
    'fd00::1',
    'fc00::',
    'fe80::1',
    'fec0::1',
    'ff02::1',
    '100::1',
    '2001:db8::1',
    '0.0.0.0',
    '100.64.0.1',
    '192.0.2.1',
    '198.18.0.1',
    '255.255.255.255',
    'not an address',
  ];
  const PUBLIC = [
    '93.184.216.34',
    '8.8.8.8',
    '::ffff:8.8.8.8',
    '::ffff:808:808',
    '64:ff9b::808:808',
    '2002:808:808::1',
    '2606:4700::1111',
    '2a00:1450:4001::200e',
  ];
  for (const address of PRIVATE) it(`refuses ${address}`, () => expect(isPrivateAddress(address)).toBe(true));
  for (const address of PUBLIC) it(`allows ${address}`, () => expect(isPrivateAddress(address)).toBe(false));

  it('sends no request to 127.0.0.1 written in any IPv6 notation, and prints no status line', async () => {
    const canary = await startCanary();
    const work = await tempDir('galley-ssrf-');
    try {
      const forms = [
        '[::ffff:127.0.0.1]',
        '[::ffff:7f00:1]',
        '[0:0:0:0:0:ffff:7f00:1]',
        '[::127.0.0.1]',
        '[64:ff9b::7f00:1]',
        '[2002:7f00:1::]',
        '[::1]',
        '127.1',
        '0x7f.1',
        '2130706433',
        '0177.0.0.1',
      ];
      const book = await miniBook(work.dir, {
        'one.md': `# One\n\n${forms.map((form) => `<a href="http://${form}:${canary.port}/secret">x</a>`).join('\n\n')}\n`,
      });
      const { book: loaded } = await prepare(book.manuscript);
      const stats = await checkExternalLinks(loaded, { noCache: true, timeoutMs: 1000 });
      expect(canary.connections).toBe(0);
      expect(stats.requests).toBeGreaterThan(0);
      const messages = loaded.chapters.flatMap((c) => c.file.messages);
      expect(messages.length).toBe(forms.length);
      for (const m of messages) {
        expect(m.ruleId).toBe('external-link-unchecked');
        expect(m.reason).toMatch(/private or local address/);
        expect(m.reason).not.toMatch(/canary|\b[1-5]\d\d [A-Z]/);
      }
    } finally {
      await canary.close();
      await work.cleanup();
    }
  });

  it("book.yaml's links.external.enabled alone does not check links; --external or GALLEY_EXTERNAL_LINKS=1 does", async () => {
    expect(externalAllowed({}, {})).toBe(false);
    expect(externalAllowed({}, { GALLEY_EXTERNAL_LINKS: '1' })).toBe(true);
    expect(externalAllowed({ external: true }, {})).toBe(true);
    expect(externalAllowed({ external: false }, { GALLEY_EXTERNAL_LINKS: '1' })).toBe(false);
    const work = await tempDir('galley-enabled-');
    try {
      const book = await miniBook(work.dir, { 'one.md': '# One\n\nSee [a site](https://example.invalid/page).\n' });
      await writeFile(
        path.join(book.manuscript, 'book.yaml'),
        'title: "Mini"\nauthors: ["M"]\nlinks:\n  external:\n    enabled: true\n',
      );
      const result = await withEnv({ GALLEY_EXTERNAL_LINKS: '' }, () =>
        check({ manuscript: book.manuscript, quiet: true, noCache: true }),
      );
      const notes = result.diagnostics.filter(
        (d) => d.ruleId.startsWith('external-link') || d.ruleId.startsWith('broken-external'),
      );
      expect(notes.map((d) => `${d.file} ${d.severity} ${d.ruleId}`)).toEqual([
        'book.yaml info external-link-unchecked',
      ]);
      expect(notes[0]!.message).toMatch(/--external.*GALLEY_EXTERNAL_LINKS=1/);
    } finally {
      await work.cleanup();
    }
  });
});

describe('round two: patterns in book.yaml cannot hang a check', () => {
  // Chapters on this thread: no worker to start per prepare() or check() (the hangs below keep theirs).
  chaptersOnThisThread();
  it('matches globs by a linear scan, even with many stars', () => {
    expect(globMatch('a*b*c', 'aXXbYYc')).toBe(true);
    expect(globMatch('a*b*c', 'aXXbYY')).toBe(false);
    const started = performance.now();
    expect(globMatch('*a'.repeat(30) + 'b', 'a'.repeat(5000))).toBe(false);
    expect(performance.now() - started).toBeLessThan(1000);
  });

  it('stops /(a+)+b/ with an error naming the pattern, in well under 10 s', () => {
    const match = compilePattern('/(a+)+b/', new RegexBudget(500));
    const started = performance.now();
    expect(() => match(new URL(`https://example.com/${'a'.repeat(40)}`))).toThrow(PatternTimeout);
    expect(performance.now() - started).toBeLessThan(5000);
  });

  it('reports a backtracking ignore pattern at its book.yaml line and requests nothing', async () => {
    const work = await tempDir('galley-redos-');
    try {
      const book = await miniBook(work.dir, {
        'one.md': `# One\n\n${Array.from({ length: 50 }, (_, i) => `- [x](https://example.invalid/${'a'.repeat(40 + i)})`).join('\n')}\n`,
      });
      await writeFile(
        path.join(book.manuscript, 'book.yaml'),
        'title: "Mini"\nauthors: ["M"]\nlinks:\n  external:\n    ignore:\n      - "/(a+)+b/"\n',
      );
      const { book: loaded } = await prepare(book.manuscript);
      const started = performance.now();
      const stats = await checkExternalLinks(loaded, { noCache: true });
      expect(performance.now() - started).toBeLessThan(10_000);
      expect(stats.requests).toBe(0);
      const errors = loaded.configFile.messages.filter((m) => m.fatal);
      expect(errors.map((m) => `${m.line} ${m.ruleId}`)).toEqual(['6 book-config']);
      expect(errors[0]!.reason).toMatch(/\/\(a\+\)\+b\/.*backtracks/);
    } finally {
      await work.cleanup();
    }
  });
});

describe('round two: every hang ends in seconds with a clear message', () => {
  let work: Awaited<ReturnType<typeof tempDir>>;
  beforeAll(async () => {
    work = await tempDir('galley-hangs-');
  });
  afterAll(() => work?.cleanup());
  // The work a case may take, as CPU time of this process (its chapter workers included): a runaway shape takes
  // minutes of it, and unlike wall time it does not grow when other jobs share the machine.
  const fast = async <T>(run: () => T | Promise<T>, ms = 10_000): Promise<T> => {
    const before = process.cpuUsage();
    const value = await run();
    const used = process.cpuUsage(before);
    expect((used.user + used.system) / 1000).toBeLessThan(ms);
    return value;
  };
  const errorsOf = (result: BuildResult) =>
    result.diagnostics.filter((d) => d.severity === 'error').map((d) => `${d.file}:${d.line} ${d.ruleId} ${d.message}`);

  it('sniffImage reads `<!---->`×60 (and ×100,000) before <svg> linearly', async () => {
    expect(await fast(() => sniffImage(Buffer.from(`${'<!---->'.repeat(60)}x`)), 1000)).toBeUndefined();
    expect((await fast(() => sniffImage(Buffer.from(`${'<!---->'.repeat(60)}<svg>`)), 1000))?.ext).toBe('svg');
    expect(
      (
        await fast(
          () =>
            sniffImage(
              Buffer.from(
                `<?xml version="1.0"?><!-- a --><!DOCTYPE svg [<!ENTITY x "y">]><!-- b --><svg xmlns="http://www.w3.org/2000/svg"/>`,
              ),
            ),
          1000,
        )
      )?.ext,
    ).toBe('svg');
    expect(await fast(() => sniffImage(Buffer.from(`${'<!--'.repeat(500)}`)), 1000)).toBeUndefined();
  });

  it('sanitizeSvg reads 4 MB of `<!DOCTYPE[` linearly', async () => {
    expect(await fast(() => sanitizeSvg('<!DOCTYPE['.repeat(400_000)), 5000)).toBeUndefined();
    const kept = await fast(() =>
      sanitizeSvg(
        `<!DOCTYPE svg [${'<!ENTITY a "b">'.repeat(10)}]><svg xmlns="http://www.w3.org/2000/svg"><rect width="1" height="1"/></svg>`,
      ),
    );
    expect(kept).toMatch(/<rect/);
    expect(kept).not.toMatch(/ENTITY/);
  });

  it('stops a HonKit chapter that includes itself 20 times with an include-count error', async () => {
    const self = Array.from({ length: 20 }, () => '{% include "./loop.md" %}').join('\n\n');
    const book = await miniBook(work.dir, { 'loop.md': `# Loop\n\n${self}\n` });
    await rm(path.join(book.manuscript, 'book.yaml'));
    await writeFile(path.join(book.manuscript, 'book.json'), '{"title": "Loop"}\n');
    const result = await fast(() => buildMini(book, ['html']));
    expect(errorsOf(result).some((e) => /^loop\.md:\d+ limit .*over the limit of 256/.test(e))).toBe(true);
  });

  it('stops thirty includes of a 7 MB file at the 8 MB total for a chapter', async () => {
    const big = `${'word '.repeat(1_400_000)}\n`;
    const includes = Array.from({ length: 30 }, () => '```\n{{#include big.txt}}\n```').join('\n\n');
    const book = await miniBook(work.dir, { 'many.md': `# Many\n\n${includes}\n`, 'big.txt': big });
    const result = await fast(() => buildMini(book, ['html']), 30_000);
    expect(result.ok).toBe(false);
    expect(errorsOf(result).filter((e) => /over the 8\.0 MB limit for all includes of a chapter/.test(e))).toHaveLength(
      1,
    );
  });

  it('refuses 20,000 list markers on one line, and markers mixed with quotes', async () => {
    const book = await miniBook(work.dir, {
      'list.md': `# List\n\n${'- '.repeat(20_000)}x\n\n${'> - 1. '.repeat(30)}y\n`,
    });
    const result = await fast(() => buildMini(book, ['html']));
    expect(errorsOf(result)).toEqual([
      'list.md:3 limit 20000 list or quote markers open one line, over the limit of 64 (lists or quotes nested too deep on one line): flatten the nesting',
    ]);
    const mixed = await miniBook(work.dir, { 'mixed.md': `# Mixed\n\n${'> - 1. '.repeat(30)}y\n` });
    expect(errorsOf(await fast(() => buildMini(mixed, ['html'])))).toEqual([
      expect.stringMatching(/^mixed\.md:3 limit 90 list or quote markers/),
    ]);
  });

  it('refuses an @string expansion bomb at its line, and reports a malformed .bib at file:line', async () => {
    const bomb = [
      '@string{a = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"}',
      ...Array.from(
        { length: 40 },
        (_, i) =>
          `@string{m${i + 1} = ${i === 0 ? 'a' : `m${i}`} # ${i === 0 ? 'a' : `m${i}`} # ${i === 0 ? 'a' : `m${i}`}}`,
      ),
      '@book{k, title = m40}',
    ].join('\n');
    const dir = path.join(work.dir, 'bib-bomb');
    await mkdir(dir, { recursive: true });
    await writeFile(path.join(dir, 'refs.bib'), bomb);
    const files: VFile[] = [];
    expect(await fast(() => loadBibliography(dir, files))).toBeUndefined();
    expect(files[0]!.messages.map((m) => `${m.line} ${m.fatal} ${m.ruleId}`)).toEqual(['10 true bibliography']);
    expect(files[0]!.messages[0]!.reason).toMatch(/expands to .* over the 256 KB limit/);

    const broken = path.join(work.dir, 'bib-broken');
    await mkdir(broken, { recursive: true });
    await writeFile(
      path.join(broken, 'refs.bib'),
      '@book{good, title = {Fine}, year = 2001}\n\n@book{bad, title = "never closed\n}\n',
    );
    const more: VFile[] = [];
    const map = await loadBibliography(broken, more);
    expect(map?.has('good')).toBe(true);
    expect(more[0]!.messages.map((m) => `${m.line} ${m.fatal}`)).toEqual([expect.stringMatching(/^\d+ true$/)]);
    expect(more[0]!.messages[0]!.reason).toMatch(/Unterminated/);

    const huge = path.join(work.dir, 'bib-huge');
    await mkdir(huge, { recursive: true });
    await writeFile(path.join(huge, 'refs.bib'), `@comment{${'x'.repeat(5 * 1024 * 1024)}}`);
    const hugeFiles: VFile[] = [];
    expect(await fast(() => loadBibliography(huge, hugeFiles))).toBeUndefined();
    expect(hugeFiles[0]!.messages[0]!.reason).toMatch(/5\.0 MB, over the 4 MB limit/);
  });
});

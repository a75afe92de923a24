import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { VFile } from 'vfile';
import { config, renderMarkdown as render, tempDir } from './helpers.ts';
import { createChapterProcessor } from '../scripts/markdown/processor.ts';
import { hastToXml } from '../scripts/render/xhtml.ts';

/** The chapter's XHTML without the namespace each top-level element carries. */
const renderMarkdown = (...args: Parameters<typeof render>) => {
  const result = render(...args);
  return { ...result, html: result.html.replaceAll(' xmlns="http://www.w3.org/1999/xhtml"', '') };
};

const LISTING = `<Listing number="3-4" file-name="src/lib.rs" caption="A \`Kettle\` that *whistles*">

\`\`\`rust
struct Kettle;
\`\`\`

</Listing>
`;

describe('mdBook listings', () => {
  it('become a numbered figure: file name above, "Listing N: caption" below, id listing-N', () => {
    const { html, messages, file } = renderMarkdown(LISTING);
    expect(html).toContain(
      '<figure class="listing" id="listing-3-4"><p class="listing-file lead-in">Filename: src/lib.rs</p><pre>',
    );
    expect(html).toContain(
      '<figcaption><strong>Listing 3-4:</strong> A <code>Kettle</code> that <em>whistles</em></figcaption></figure>',
    );
    expect(messages).toEqual([]);
    expect(file.data.collected?.stats.listings).toBe(1);
  });

  it('an opening tag without its close keeps the caption as a paragraph and warns', () => {
    const { html, messages } = renderMarkdown('<Listing number="1-2" caption="Left open">\n\n```\ncode\n```\n');
    expect(html).toContain('<strong>Listing 1-2:</strong> Left open');
    expect(messages).toEqual(['1:1 warning A `<Listing>` without `</Listing>`: its caption is not printed [listing]']);
  });
});

describe('callouts: one element for every dialect', () => {
  const title = (kind: string, icon: string, label: string) =>
    `<aside class="callout callout-${kind}" role="note" aria-label="${label}"><p class="callout-title"><span class="callout-icon" aria-hidden="true">${icon}</span> ${label}</p>`;

  it('GitHub alerts of all five kinds', () => {
    const md = ['NOTE', 'TIP', 'IMPORTANT', 'WARNING', 'CAUTION'].map((k) => `> [!${k}]\n> Body ${k}.\n`).join('\n');
    const { html, messages } = renderMarkdown(md);
    expect(html).toContain(`${title('note', '\u{1F6C8}', 'Note')}<p>Body NOTE.</p></aside>`);
    expect(html).toContain(`${title('tip', '★', 'Tip')}<p>Body TIP.</p></aside>`);
    expect(html).toContain(`${title('important', '❗', 'Important')}<p>Body IMPORTANT.</p></aside>`);
    expect(html).toContain(`${title('warning', '⚠', 'Warning')}<p>Body WARNING.</p></aside>`);
    expect(html).toContain(`${title('caution', '⛔', 'Caution')}<p>Body CAUTION.</p></aside>`);
    expect(html).not.toContain('[!');
    expect(messages).toEqual([]);
  });

  it('an unknown alert kind stays a quote, with a warning at its line', () => {
    const { html, messages } = renderMarkdown('Text.\n\n> [!SHRUG]\n> Whatever.\n');
    expect(html).toContain('<blockquote>');
    expect(messages).toEqual(['3:3 warning Unknown alert kind `[!SHRUG]`: printed as a quote [callout-kind]']);
  });

  it('admonish fences, with a title, read their body as Markdown at the fence lines', () => {
    const { html, messages } = renderMarkdown('```admonish danger "Hot water"\nMind the *spout*.\n```\n');
    expect(html).toContain(`${title('caution', '⛔', 'Hot water')}<p>Mind the <em>spout</em>.</p></aside>`);
    expect(messages).toEqual([]);
  });

  it('a quote that opens with Note: or **Warning:**', () => {
    const { html } = renderMarkdown('> Note: plain word.\n\n> **Warning:** strong word.\n\n> **Tip**: colon after.\n');
    expect(html).toContain(`${title('note', '\u{1F6C8}', 'Note')}<p>plain word.</p></aside>`);
    expect(html).toContain(`${title('warning', '⚠', 'Warning')}<p>strong word.</p></aside>`);
    expect(html).toContain(`${title('tip', '★', 'Tip')}<p>colon after.</p></aside>`);
  });

  it("HonKit's {% hint style %} (as the loader marks it)", () => {
    // Template tags are read in HonKit books only (the loader's `templateTags` setting).
    const { html } = renderMarkdown('<!--galley:hint style="danger"-->\n\nDo not touch.\n\n<!--galley:endhint-->\n', {
      settings: { templateTags: true },
    });
    expect(html).toContain(`${title('caution', '⛔', 'Caution')}<p>Do not touch.</p></aside>`);
  });
});

describe("mdBook 0.5's Markdown", () => {
  it('definition lists', () => {
    const { html } = renderMarkdown('Kettle\n: Heats water.\n: Sings.\n');
    expect(html).toMatch(/<dl>\s*<dt>Kettle<\/dt>\s*<dd>Heats water\.\s*<\/dd>\s*<dd>Sings\.\s*<\/dd>\s*<\/dl>/);
  });

  it('heading attributes {#id .class}', () => {
    const { html } = renderMarkdown('## Boiling point {#boil .wide .key}\n');
    expect(html).toContain('<h2 id="boil" class="wide key">Boiling point</h2>');
  });

  it('smart punctuation when output.smart_punctuation is on, and not otherwise', () => {
    const md = 'It\'s "hot" -- very... and---there.\n';
    expect(renderMarkdown(md, { config: config({ output: { smart_punctuation: true } as never }) }).html).toContain(
      '<p>It’s “hot” – very… and—there.</p>',
    );
    expect(renderMarkdown(md).html).toContain('<p>It\'s "hot" -- very... and---there.</p>');
  });

  it('marks lead-ins before code and lists, not other paragraphs', () => {
    const { html } = renderMarkdown(
      'For example:\n\n```\nx\n```\n\nFilename: a.rs\n\n```\ny\n```\n\nNo colon\n\n- item\n',
    );
    expect(html).toContain('<p class="lead-in">For example:</p>');
    expect(html).toContain('<p class="lead-in">Filename: a.rs</p>');
    expect(html).toContain('<p>No colon</p>');
  });
});

describe('no silent loss in the sanitizer', () => {
  it('warns at the source line with the element and the dropped text', () => {
    const { html, messages } = renderMarkdown(
      'Intro.\n\n<Gadget caption="A caption nobody sees">inner words</Gadget>\n\n<noscript>Only without scripts</noscript>\n',
    );
    expect(html).toContain('inner words');
    expect(messages).toEqual([
      '3:1 warning The caption of `<gadget>` is not kept (the element is unknown): “A caption nobody sees” is dropped [dropped-text]',
      '5:1 warning `<noscript>` is removed with its text “Only without scripts” [dropped-text]',
    ]);
  });

  it('says nothing for what it keeps or what is not text (scripts)', () => {
    const { messages } = renderMarkdown('<img src="a.png" alt="kept" title="kept too"/>\n\n<script>x()</script>\n');
    expect(messages.filter((m) => m.includes('dropped-text'))).toEqual([]);
  });
});

describe('every src and srcset is checked', () => {
  const dirs: (() => Promise<void>)[] = [];
  afterAll(async () => Promise.all(dirs.map((d) => d())));

  it('an <img> inside <video> or <picture>, and srcset', async () => {
    const { dir, cleanup } = await tempDir();
    dirs.push(cleanup);
    mkdirSync(path.join(dir, 'img'));
    writeFileSync(path.join(dir, 'img', 'here.png'), Buffer.from('89504e470d0a1a0a', 'hex'));
    const md = [
      '<video controls title="Pour"><img src="img/gone.png" alt="Pour"/></video>',
      '',
      '<picture><source srcset="img/here.png 1x, img/wide.png 2x"/><img src="img/here.png" alt="Here"/></picture>',
      '',
    ].join('\n');
    const processor = createChapterProcessor(config(), { settings: { boundary: dir } });
    const file = new VFile({ path: path.join(dir, 'ch.md'), value: md });
    file.data.chapter = { key: 'ch', source: 'ch.md' };
    const tree = processor.runSync(processor.parse(file), file);
    const found = file.messages
      .filter((m) => m.ruleId === 'missing-media')
      .map((m) => `${m.line}:${m.column} ${m.reason}`);
    expect(found).toEqual([
      '1:30 `<img>` source `img/gone.png` not found',
      '3:10 `<source>` source `img/wide.png` not found',
    ]);
    // The video's fallback image is what print shows.
    expect(hastToXml(tree)).toContain('alt="Pour"');
  });
});

describe('galley check on alerts', () => {
  it('takes a GitHub alert marker for a callout, not an undefined reference; other brackets still warn', () => {
    const processor = createChapterProcessor(config(), { lint: true });
    const file = new VFile({
      path: 'input.md',
      value: '# T\n\n> [!TIP]\n> Say it aloud.\n\n> [!BOGUS]\n> Not a kind.\n',
    });
    file.data.chapter = { key: 'input', source: 'input.md' };
    processor.runSync(processor.parse(file), file);
    const undefinedRefs = file.messages.filter((m) => m.ruleId === 'no-undefined-references').map((m) => m.line);
    expect(undefinedRefs).toEqual([6]);
  });
});

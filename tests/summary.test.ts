import { describe, expect, it } from 'vitest';
import { VFile } from 'vfile';
import { flattenToc, numberToc, parseSummary } from '../scripts/model/book/summary.ts';

function toc(text: string) {
  const file = new VFile({ path: 'SUMMARY.md', value: text });
  const entries = parseSummary(file);
  numberToc(entries);
  return { entries, flat: flattenToc(entries), file };
}

describe('SUMMARY.md', () => {
  it('reads parts, nesting, drafts, front and back matter', () => {
    const { entries, flat } = toc(`# Summary

* [Preface](front/preface.md)

## Part I

* [One](one.md)
  * [One A](one/a.md)
    * [Deep](one/a/deep.md)
* [Draft]()

## Part II

- [Two](two.md)

---

- [Three](three.md)

## Appendices

* [Appendix](appendix.md)
`);
    expect(entries.map((e) => [e.kind, e.title, e.matter])).toEqual([
      ['chapter', 'Preface', 'front'],
      ['part', 'Part I', 'body'],
      ['part', 'Part II', 'body'],
      ['chapter', 'Appendix', 'back'],
    ]);
    expect(flat.filter((e) => e.kind === 'chapter').map((e) => [e.source, e.number ?? null, e.depth])).toEqual([
      ['front/preface.md', null, 0],
      ['one.md', '1', 1],
      ['one/a.md', '1.1', 2],
      ['one/a/deep.md', '1.1.1', 3],
      ['two.md', '2', 1],
      ['three.md', '3', 1],
      ['appendix.md', null, 0],
    ]);
    expect(flat.find((e) => e.title === 'Draft')?.kind).toBe('draft');
  });

  it('numbers a book without parts like GitBook', () => {
    const { flat } = toc('# Summary\n\n* [Intro](README.md)\n* [A](a.md)\n');
    expect(flat.map((e) => [e.matter, e.number])).toEqual([
      ['body', '1'],
      ['body', '2'],
    ]);
  });

  it('reads mdBook prefix, numbered and suffix chapters', () => {
    const { flat } = toc('# Summary\n\n[Intro](intro.md)\n\n- [A](a.md)\n- [B](b.md)\n\n[Outro](outro.md)\n');
    expect(flat.map((e) => [e.title, e.matter, e.number ?? null])).toEqual([
      ['Intro', 'front', null],
      ['A', 'body', '1'],
      ['B', 'body', '2'],
      ['Outro', 'back', null],
    ]);
  });

  it('keeps the line of each entry', () => {
    const { flat } = toc('# Summary\n\n* [A](a.md)\n    * [B](b.md)\n');
    expect(flat.map((e) => e.position?.start.line)).toEqual([3, 4]);
  });
});

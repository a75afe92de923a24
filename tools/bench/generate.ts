/**
 * Deterministic synthetic books for `npm run bench`: the manuscript format
 * Galley reads (book.yaml, SUMMARY.md with parts, chapters with headings,
 * inline and display math, GFM tables, code, footnotes, images, links between
 * chapters to anchors that exist, questions tagged [E]/[M]/[H]). The same
 * options give the same bytes: a seeded PRNG, never Math.random or the clock.
 *
 *   npx tsx tools/bench/generate.ts <dir> [200k|1m|pdf|pdf700|mini] [--seed N]
 */
import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { PNG } from 'pngjs';

export interface GenerateOptions {
  /** PRNG seed; the same seed and options give the same bytes. */
  seed?: number;
  /** Body chapters, spread over `parts` parts. */
  chapters?: number;
  /** Words of prose across the body chapters (headings, math and code come on top). */
  words?: number;
  parts?: number;
  title?: string;
}

export interface GeneratedBook {
  /** Path inside the manuscript (forward slashes) → bytes, in a fixed order. */
  files: Map<string, Buffer>;
  /** Chapter sources in reading (TOC) order. */
  chapters: string[];
  /** Prose words written. */
  words: number;
  /** Folder every chapter lives one level under; Pandoc's resource path. */
  images: string[];
}

/** 200,000 words in 100 chapters: figures 1, 2 and 4 of the benchmark. */
export const BOOK_200K: GenerateOptions = {
  seed: 200,
  chapters: 100,
  words: 200_000,
  parts: 10,
  title: 'Synthetic Book of 200k Words',
};
/** The same book grown to 1,000,000 words in 500 chapters: figure 5. */
export const BOOK_1M: GenerateOptions = {
  seed: 1000,
  chapters: 500,
  words: 1_000_000,
  parts: 25,
  title: 'Synthetic Book of 1M Words',
};
/** About 300 printed pages (6×9 in): figure 3. */
export const BOOK_PDF: GenerateOptions = {
  seed: 300,
  chapters: 30,
  words: 66_000,
  parts: 5,
  title: 'Synthetic Book for Print',
};
/**
 * About 700 printed pages: the print book grown for issue 31's figures (a long book's PDF, cold and after a
 * one-chapter edit, and every format). 298 pages came from 66,000 words; the same mix at 155,000 words and
 * 70 chapters prints about 700 (the bench prints the count it measured).
 */
export const BOOK_PDF_700: GenerateOptions = {
  seed: 700,
  chapters: 70,
  words: 155_000,
  parts: 10,
  title: 'Synthetic Book for Print, 700 Pages',
};
/** A small book of the same kind, for tests and `--quick`. */
export const BOOK_MINI: GenerateOptions = {
  seed: 7,
  chapters: 12,
  words: 12_000,
  parts: 3,
  title: 'Synthetic Mini Book',
};

/** mulberry32: a small, fast, well-mixed 32-bit PRNG; all the generator's randomness comes from it. */
export function prng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (min: number, max: number) => min + Math.floor(next() * (max - min + 1));
  const pick = <T>(list: readonly T[]): T => list[Math.floor(next() * list.length)]!;
  const chance = (p: number) => next() < p;
  return { next, int, pick, chance };
}
type Rng = ReturnType<typeof prng>;

const WORDS = (
  'model data training loss gradient feature vector matrix sample estimate variance bias error label class network layer weight ' +
  'parameter function value output input signal noise kernel distance cluster tree forest boosting margin regression probability ' +
  'distribution prior posterior likelihood entropy information measure metric precision recall threshold curve score baseline ' +
  'experiment result method approach problem question answer interview candidate team system design service request latency ' +
  'throughput memory storage index query table record column field schema pipeline stage batch stream window event state ' +
  'update step rate schedule epoch iteration convergence optimum minimum maximum constraint penalty norm ridge lasso dropout ' +
  'embedding token sequence attention head encoder decoder transformer residual activation sigmoid softmax logit objective ' +
  'the a of and to in is that for on with as by this it are be from an at which or can we not each one two three more most ' +
  'than when where how why what only also then so if but into over under between because while both often usually simply ' +
  'clearly carefully quickly slowly first second last next small large simple complex common useful important different ' +
  'similar general specific random fixed linear nonlinear convex sparse dense stable robust efficient accurate careful good'
).split(/\s+/);

const TITLE_WORDS = (
  'Linear Models|Decision Trees|Ensembles|Probability|Statistics|Optimisation|Neural Networks|Convolutions|Sequences|Attention|' +
  'Embeddings|Evaluation|Features|Regularisation|Clustering|Dimensionality|Kernels|Sampling|Inference|Systems|Serving|Data Quality|' +
  'Experiments|Ranking|Recommendation|Search|Language|Vision|Speech|Reinforcement|Causality|Fairness|Privacy|Scaling|Monitoring'
).split('|');

const SECTION_WORDS = [
  'Overview',
  'Definitions',
  'A worked example',
  'Properties',
  'In practice',
  'Pitfalls',
  'Variants',
  'Implementation',
  'Analysis',
  'Trade-offs',
  'Summary of the ideas',
  'Extensions',
];

const INLINE_MATH = [
  (r: Rng) => `\\mathbf{${r.pick(['x', 'w', 'v', 'z'])}}^\\top \\mathbf{${r.pick(['y', 'u', 'b'])}}`,
  (r: Rng) => `\\sum_{i=1}^{${r.pick(['n', 'm', 'N', 'k'])}} ${r.pick(['x', 'w', 'a'])}_i`,
  (r: Rng) => `\\frac{${r.int(1, 9)}}{${r.pick(['n', 'k', '2', 'm'])}}`,
  (r: Rng) => `p(${r.pick(['y', 'z', '\\theta'])} \\mid ${r.pick(['x', 'D', '\\mathbf{x}'])})`,
  (r: Rng) => `\\lVert \\mathbf{${r.pick(['w', 'x'])}} \\rVert_${r.int(1, 2)}`,
  (r: Rng) => `O(${r.pick(['n', 'n \\log n', 'n^2', 'k d'])})`,
  (r: Rng) => `\\lambda = ${r.int(1, 9)}.${r.int(0, 9)}`,
  (r: Rng) => `${r.pick(['\\alpha', '\\beta', '\\eta', '\\gamma'])} \\in (0, 1)`,
];

const DISPLAY_MATH = [
  (r: Rng) =>
    `\\hat{\\theta} = \\arg\\min_{\\theta} \\frac{1}{${r.pick(['n', 'N'])}} \\sum_{i=1}^{${r.pick(['n', 'N'])}} \\ell\\left(f_\\theta(\\mathbf{x}_i), y_i\\right) + \\lambda \\lVert \\theta \\rVert_2^2`,
  (r: Rng) =>
    `\\begin{bmatrix} ${r.int(1, 9)} & ${r.int(1, 9)} \\\\ ${r.int(1, 9)} & ${r.int(1, 9)} \\end{bmatrix} \\begin{bmatrix} x \\\\ y \\end{bmatrix} = \\begin{bmatrix} ${r.int(1, 40)} \\\\ ${r.int(1, 40)} \\end{bmatrix}`,
  (r: Rng) => `P(A \\mid B) = \\frac{P(B \\mid A)\\, P(A)}{P(B)}, \\qquad P(B) = ${r.int(1, 9)}/${r.int(10, 99)}`,
  (r: Rng) =>
    `\\nabla_\\theta \\mathcal{L} = -\\frac{1}{${r.pick(['m', 'B'])}} \\sum_{j} \\left( y_j - \\sigma(\\mathbf{w}^\\top \\mathbf{x}_j) \\right) \\mathbf{x}_j`,
  (r: Rng) => `\\int_{0}^{${r.int(1, 9)}} e^{-x^2/2}\\, dx \\approx ${r.int(1, 2)}.${r.int(100, 999)}`,
  (r: Rng) => `\\operatorname{softmax}(\\mathbf{z})_k = \\frac{e^{z_k}}{\\sum_{c=1}^{${r.pick(['C', 'K'])}} e^{z_c}}`,
];

const CODE = [
  (r: Rng) => [
    '```python',
    `def step(w, grad, lr=${r.int(1, 9)}e-${r.int(2, 4)}):`,
    '    """One plain gradient step."""',
    '    return [wi - lr * gi for wi, gi in zip(w, grad)]',
    '',
    `print(step([${r.int(0, 9)}, ${r.int(0, 9)}], [0.5, -0.25]))`,
    '```',
  ],
  (r: Rng) => [
    '```javascript',
    `const scores = [${r.int(1, 9)}, ${r.int(1, 9)}, ${r.int(1, 9)}];`,
    'const total = scores.reduce((a, b) => a + b, 0);',
    'console.log(scores.map((s) => s / total));',
    '```',
  ],
  (r: Rng) => [
    '```bash',
    `python train.py --epochs ${r.int(5, 50)} --batch-size ${r.pick([32, 64, 128])} \\`,
    `  --seed ${r.int(1, 999)} --out runs/exp-${r.int(1, 99)}`,
    '```',
  ],
  (r: Rng) => [
    '```json',
    '{',
    `  "learning_rate": 0.00${r.int(1, 9)},`,
    `  "layers": [${r.int(16, 512)}, ${r.int(16, 512)}],`,
    '  "dropout": 0.1',
    '}',
    '```',
  ],
];

interface ChapterPlan {
  /** Path inside the manuscript. */
  source: string;
  part: number;
  index: number;
  title: string;
  /** Anchors of its sections (`c012-s1`…), always at least three. */
  anchors: string[];
}

const pad = (n: number, width = 3) => String(n).padStart(width, '0');
const capitalise = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

class Writer {
  words = 0;
  constructor(readonly r: Rng) {}

  word() {
    return this.r.pick(WORDS);
  }

  /** A sentence of n words, with inline elements now and then. */
  sentence(n: number, extras: { links: () => string | undefined; footnote: () => string | undefined }): string {
    const parts: string[] = [];
    for (let i = 0; i < n; i++) {
      let w = this.word();
      if (i === 0) w = capitalise(w);
      const roll = this.r.next();
      if (roll < 0.02) w = `*${w}*`;
      else if (roll < 0.03) w = `**${w}**`;
      else if (roll < 0.04) w = `\`${w}_${this.r.int(1, 9)}\``;
      parts.push(w);
    }
    this.words += n;
    if (this.r.chance(0.18)) parts.splice(this.r.int(1, parts.length), 0, `$$${this.r.pick(INLINE_MATH)(this.r)}$$`);
    if (this.r.chance(0.05)) {
      const link = extras.links();
      if (link) parts.splice(this.r.int(1, parts.length), 0, link);
    }
    if (this.r.chance(0.01)) parts.splice(this.r.int(1, parts.length), 0, `$${this.r.int(10, 99)}K`);
    let text = parts.join(' ');
    if (this.r.chance(0.04)) {
      const note = extras.footnote();
      if (note) text += note;
    }
    return text + (this.r.chance(0.15) ? '?' : '.');
  }

  paragraph(extras: Parameters<Writer['sentence']>[1]) {
    const sentences = this.r.int(3, 7);
    const out: string[] = [];
    for (let i = 0; i < sentences; i++) out.push(this.sentence(this.r.int(8, 22), extras));
    return out.join(' ');
  }

  title(n: number) {
    const words: string[] = [];
    for (let i = 0; i < n; i++) words.push(this.word());
    this.words += n;
    return capitalise(words.join(' '));
  }
}

function table(w: Writer): string[] {
  const cols = w.r.int(3, 5);
  const rows = w.r.int(3, 6);
  const head = Array.from({ length: cols }, (_, i) => (i === 0 ? 'Method' : capitalise(w.word())));
  const align = Array.from({ length: cols }, (_, i) => (i === 0 ? ':---' : w.r.pick(['---:', ':---:', '---'])));
  const lines = [`| ${head.join(' | ')} |`, `| ${align.join(' | ')} |`];
  for (let r = 0; r < rows; r++) {
    const cells = Array.from({ length: cols }, (_, i) =>
      i === 0
        ? capitalise(w.word())
        : w.r.chance(0.2)
          ? `$$${w.r.pick(INLINE_MATH)(w.r)}$$`
          : `${w.r.int(0, 99)}.${w.r.int(0, 9)}`,
    );
    lines.push(`| ${cells.join(' | ')} |`);
  }
  w.words += (rows + 1) * cols;
  return lines;
}

function chapterText(plan: ChapterPlan, plans: ChapterPlan[], budget: number, w: Writer, images: string[]): string {
  const r = w.r;
  const out: string[] = [`# ${plan.title}`, ''];
  const notes: string[] = [];
  const dir = path.posix.dirname(plan.source);
  const extras = {
    links: () => {
      const target = r.pick(plans);
      const anchor = r.pick(target.anchors);
      const rel = target === plan ? '' : path.posix.relative(dir, target.source);
      const label = `${w.word()} ${w.word()}`;
      w.words += 2;
      return r.chance(0.15) && target !== plan ? `[${label}](${rel})` : `[${label}](${rel}#${anchor})`;
    },
    footnote: () => {
      const n = notes.length + 1;
      notes.push(`[^n${n}]: ${w.sentence(r.int(6, 14), { links: () => undefined, footnote: () => undefined })}`);
      return `[^n${n}]`;
    },
  };
  const start = w.words;
  const spent = () => w.words - start;
  out.push(w.paragraph(extras), '');
  const sections = plan.anchors.length;
  const perSection = budget / (sections + 0.5);
  for (let s = 0; s < sections; s++) {
    const sectionTitle = `${r.pick(SECTION_WORDS)}: ${w.title(r.int(1, 3)).toLowerCase()}`;
    out.push(`## ${sectionTitle} {#${plan.anchors[s]}}`, '');
    const until = (s + 1) * perSection;
    let block = 0;
    while (spent() < until) {
      block++;
      const roll = r.next();
      if (block % 9 === 4) out.push(`### ${w.title(r.int(2, 4))}`, '');
      if (roll < 0.08) {
        out.push('$$', r.pick(DISPLAY_MATH)(r), '$$', '');
      } else if (roll < 0.11) {
        out.push(`$$${r.pick(DISPLAY_MATH)(r)}$$`, '');
      } else if (roll < 0.14) {
        out.push(...table(w), '');
      } else if (roll < 0.18) {
        out.push(...r.pick(CODE)(r), '');
      } else if (roll < 0.2) {
        const image = r.pick(images);
        const alt = w.title(r.int(2, 5));
        out.push(
          r.chance(0.5)
            ? `![${alt}](${path.posix.relative(dir, image)} "Figure: ${alt.toLowerCase()}")`
            : `![${alt}](${path.posix.relative(dir, image)})`,
          '',
        );
      } else if (roll < 0.23) {
        out.push(`> ${w.paragraph(extras)}`, '');
      } else if (roll < 0.27) {
        const items = r.int(2, 5);
        const ordered = r.chance(0.4);
        for (let i = 0; i < items; i++) out.push(`${ordered ? `${i + 1}.` : '-'} ${w.sentence(r.int(5, 14), extras)}`);
        out.push('');
      } else {
        out.push(w.paragraph(extras), '');
      }
    }
  }
  // Questions close every chapter, nested now and then, math inside some.
  out.push(`## Questions {#c${pad(plan.index)}-questions}`, '');
  const count = r.int(3, 7);
  for (let q = 1; q <= count; q++) {
    const tag = r.pick(['E', 'E', 'M', 'M', 'H']);
    const math = r.chance(0.3) ? ` Use $$${r.pick(INLINE_MATH)(r)}$$ where it helps.` : '';
    out.push(
      `${q}. [${tag}] ${w.sentence(r.int(7, 16), { links: () => undefined, footnote: () => undefined }).replace(/\.$/, '?')}${math}`,
    );
    if (r.chance(0.2)) {
      out.push(
        '',
        `    1. [E] ${w.sentence(r.int(5, 10), { links: () => undefined, footnote: () => undefined })}`,
        `    2. [M] ${w.sentence(r.int(5, 10), { links: () => undefined, footnote: () => undefined })}`,
        '',
      );
    }
  }
  out.push('');
  if (notes.length) out.push(...notes, '');
  return out.join('\n');
}

function svgImage(r: Rng, n: number): Buffer {
  const shapes: string[] = [];
  for (let i = 0; i < 6; i++) {
    const x = r.int(5, 150);
    const y = r.int(5, 80);
    shapes.push(
      `  <rect x="${x}" y="${y}" width="${r.int(10, 40)}" height="${r.int(10, 40)}" fill="#${r.int(0x222222, 0xdddddd).toString(16)}"/>`,
    );
  }
  return Buffer.from(
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 200 120" width="200" height="120">\n` +
      `  <title>Figure ${n}</title>\n  <line x1="0" y1="110" x2="200" y2="110" stroke="#333"/>\n${shapes.join('\n')}\n</svg>\n`,
  );
}

function pngImage(r: Rng): Buffer {
  const png = new PNG({ width: 96, height: 64 });
  const [a, b, c] = [r.int(0, 255), r.int(0, 255), r.int(0, 255)];
  for (let y = 0; y < png.height; y++) {
    for (let x = 0; x < png.width; x++) {
      const i = (png.width * y + x) << 2;
      png.data[i] = (a + x * 2) & 255;
      png.data[i + 1] = (b + y * 3) & 255;
      png.data[i + 2] = (c + ((x * y) >> 4)) & 255;
      png.data[i + 3] = 255;
    }
  }
  return PNG.sync.write(png, { colorType: 6 });
}

/** The whole manuscript in memory: the same options give the same bytes. */
export function generateBook(options: GenerateOptions = BOOK_200K): GeneratedBook {
  const seed = options.seed ?? 1;
  const chapters = options.chapters ?? 100;
  const words = options.words ?? 200_000;
  const parts = Math.max(1, Math.min(options.parts ?? 10, chapters));
  const title = options.title ?? 'Synthetic Book';
  const r = prng(seed);
  const files = new Map<string, Buffer>();
  const images: string[] = [];
  for (let i = 1; i <= 4; i++) {
    const name = `images/plot-${i}.png`;
    files.set(name, pngImage(r));
    images.push(name);
  }
  for (let i = 1; i <= 4; i++) {
    const name = `images/diagram-${i}.svg`;
    files.set(name, svgImage(r, i));
    images.push(name);
  }

  const plans: ChapterPlan[] = [];
  const perPart = Math.ceil(chapters / parts);
  for (let i = 1; i <= chapters; i++) {
    const part = Math.ceil(i / perPart);
    const sections = r.int(3, 6);
    plans.push({
      source: `part-${pad(part, 2)}/ch-${pad(i)}.md`,
      part,
      index: i,
      title: `${r.pick(TITLE_WORDS)} ${r.pick(['and', 'for', 'in', 'with'])} ${r.pick(TITLE_WORDS).toLowerCase()} ${i}`,
      anchors: Array.from({ length: sections }, (_, s) => `c${pad(i)}-s${s + 1}`),
    });
  }

  const w = new Writer(r);
  const preface = [
    '# Preface',
    '',
    w.paragraph({
      links: () => `[the first chapter](../${plans[0]!.source}#${plans[0]!.anchors[0]})`,
      footnote: () => undefined,
    }),
    '',
    w.paragraph({ links: () => undefined, footnote: () => undefined }),
    '',
  ].join('\n');
  files.set('front/preface.md', Buffer.from(preface));
  const prefaceWords = w.words;
  const budget = (words - prefaceWords) / chapters;
  for (const plan of plans) files.set(plan.source, Buffer.from(chapterText(plan, plans, budget, w, images)));
  files.set(
    'back/questions.md',
    Buffer.from(
      '---\ngenerate: questions\n---\n\n# Questions by difficulty\n\nEvery question of the book, grouped by difficulty.\n',
    ),
  );

  const summary = ['# Summary', '', '* [Preface](front/preface.md)', ''];
  for (let p = 1; p <= parts; p++) {
    const inPart = plans.filter((c) => c.part === p);
    if (inPart.length === 0) continue;
    summary.push(`## Part ${p}: ${TITLE_WORDS[(p * 7) % TITLE_WORDS.length]}`, '');
    for (const plan of inPart) summary.push(`* [${plan.title}](${plan.source})`);
    summary.push('');
  }
  summary.push('## Back matter', '', '* [Questions by difficulty](back/questions.md)', '');
  files.set('SUMMARY.md', Buffer.from(summary.join('\n')));
  files.set(
    'book.yaml',
    Buffer.from(
      [
        `title: "${title}"`,
        'subtitle: "Generated for the benchmark"',
        'authors: ["Galley Bench"]',
        'language: en',
        `identifier: "urn:uuid:00000000-0000-4000-8000-${pad(seed, 12)}"`,
        'date: "2026-01-01"',
        'description: "A synthetic book: deterministic text, math, tables, code, footnotes, images, links and questions."',
        'copyright:',
        '  year: 2026',
        '  holder: "Galley Bench"',
        'licence: "CC0"',
        'output:',
        `  slug: bench-${seed}`,
        '',
      ].join('\n'),
    ),
  );

  const sorted = new Map([...files].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  return {
    files: sorted,
    chapters: ['front/preface.md', ...plans.map((p) => p.source), 'back/questions.md'],
    words: w.words,
    images,
  };
}

/** Writes a generated book into `dir` (emptied first). */
export async function writeBook(dir: string, options: GenerateOptions = BOOK_200K): Promise<GeneratedBook> {
  const book = generateBook(options);
  await rm(dir, { recursive: true, force: true });
  for (const [name, bytes] of book.files) {
    await mkdir(path.dirname(path.join(dir, name)), { recursive: true });
    await writeFile(path.join(dir, name), bytes);
  }
  return book;
}

export const PRESETS: Record<string, GenerateOptions> = {
  '200k': BOOK_200K,
  '1m': BOOK_1M,
  pdf: BOOK_PDF,
  pdf700: BOOK_PDF_700,
  mini: BOOK_MINI,
};

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  const args = process.argv.slice(2);
  const dir = args.find((a) => !a.startsWith('--') && !PRESETS[a]);
  if (!dir) {
    process.stderr.write('usage: tsx tools/bench/generate.ts <dir> [200k|1m|pdf|pdf700|mini] [--seed N]\n');
    process.exit(2);
  }
  const preset = PRESETS[args.find((a) => PRESETS[a]) ?? '200k']!;
  const seedAt = args.indexOf('--seed');
  const options = seedAt >= 0 ? { ...preset, seed: Number(args[seedAt + 1]) } : preset;
  const book = await writeBook(path.resolve(dir), options);
  process.stdout.write(
    `${book.chapters.length} chapters, ${book.words.toLocaleString('en')} words of prose, ${book.files.size} files in ${dir}\n`,
  );
}

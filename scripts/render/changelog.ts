import path from 'node:path';
import type { Book } from '../model/book/types.ts';
import { writeFileAtomic } from '../util/atomic.ts';
import { entryAnchor, groupByRelease, releaseAnchor } from '../passes/errata/appendix.ts';
import { appendixChapter, latestRelease } from '../passes/errata/checks.ts';
import { editionStamp } from '../model/errata/stamp.ts';
import { errataWords } from '../model/errata/words.ts';
import type { Errata } from '../model/errata/load.ts';
import { resolveLocation, type ResolvedLocation } from '../model/errata/locate.ts';
import type { Entry, ErratumKind, Release } from '../model/errata/schema.ts';

/** Keep a Changelog's sections: corrections are "Fixed", clarifications and updates "Changed". */
export const CHANGELOG_SECTION: Record<ErratumKind, 'Fixed' | 'Changed'> = {
  typo: 'Fixed',
  error: 'Fixed',
  clarification: 'Changed',
  update: 'Changed',
};

type BookLike = Pick<Book, 'chapters' | 'config'>;

function where(book: BookLike | undefined, entry: Entry): ResolvedLocation | undefined {
  if (!book) return undefined;
  const resolved = resolveLocation(book, entry.location);
  return resolved.ok ? resolved.location : undefined;
}

/** Markdown-safe inline text: no line breaks, and characters Markdown would read escaped. */
function inline(text: string): string {
  return (
    text
      .replace(/\s+/g, ' ')
      .trim()
      .replace(/([\\`*[\]<>])/g, '\\$1')
      // An underscore inside a word never starts emphasis; elsewhere it might.
      .replace(/(^|[^\p{L}\p{N}])_|_(?=[^\p{L}\p{N}]|$)/gu, (m) => m.replace('_', '\\_'))
  );
}

const sentence = (text: string) => (/[.!?…]["'”’)]?$/.test(text) ? text : `${text}.`);

function entryLine(book: BookLike | undefined, entry: Entry): string {
  const at = where(book, entry);
  const place = at
    ? at.label === at.chapter.title
      ? at.chapter.title
      : `${at.label} in ${at.chapter.title}`
    : entry.location;
  const said: string[] = [];
  if (entry.was !== undefined && entry.now !== undefined)
    said.push(sentence(`“${inline(entry.was)}” → “${inline(entry.now)}”`));
  else if (entry.now !== undefined) said.push(sentence(`Now: “${inline(entry.now)}”`));
  if (entry.text !== undefined) said.push(sentence(inline(entry.text)));
  if (entry.credit !== undefined) said.push(`Thanks to ${inline(entry.credit)}.`);
  return `- **${entry.id}** (${entry.kind}; ${inline(place)}): ${said.join(' ')}`;
}

function releaseNotesBody(book: BookLike | undefined, release: Release | undefined, entries: Entry[]): string[] {
  const lines: string[] = [];
  if (release?.printing !== undefined || release?.summary) {
    const printing = release.printing !== undefined ? errataWords('en').printing(release.printing) : '';
    const intro = [
      printing ? sentence(printing.charAt(0).toUpperCase() + printing.slice(1)) : '',
      release.summary ? sentence(inline(release.summary)) : '',
    ]
      .filter(Boolean)
      .join(' ');
    lines.push(intro, '');
  }
  for (const section of ['Fixed', 'Changed'] as const) {
    const items = entries.filter((e) => CHANGELOG_SECTION[e.kind] === section);
    if (items.length === 0) continue;
    lines.push(`### ${section}`, '', ...items.map((e) => entryLine(book, e)), '');
  }
  return lines;
}

/**
 * The errata as a Keep a Changelog 1.1.0 document: an `[Unreleased]` section
 * when entries await a release, then one section per release, newest first,
 * with "Fixed" (typos, errors) and "Changed" (clarifications, updates).
 * With the book, locations read as `Question 5.3.2, 5 Machine learning fundamentals`.
 */
export function errataChangelog(errata: Errata, book?: BookLike): string {
  const title = book ? book.config.title : 'this book';
  const lines = [
    '# Changelog',
    '',
    `All notable corrections and changes to *${inline(title)}* are recorded in this file, one entry per erratum.`,
    '',
    'The format is based on [Keep a Changelog](https://keepachangelog.com/en/1.1.0/), and the book is versioned like',
    '[Semantic Versioning](https://semver.org/spec/v2.0.0.html): a patch release corrects, a minor release adds or',
    'reworks material, a major release is a new edition.',
    '',
  ];
  for (const group of groupByRelease(errata)) {
    lines.push(group.release ? `## [${group.release.version}] - ${group.release.date}` : '## [Unreleased]', '');
    lines.push(...releaseNotesBody(book, group.release, group.entries));
  }
  return `${lines
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trimEnd()}\n`;
}

/** Release notes for one version (default: the latest release): its changelog section as a document of its own. */
export function releaseNotes(errata: Errata, book?: BookLike, version?: string): string {
  const release = version ? errata.data.releases.find((r) => r.version === version) : latestRelease(errata);
  if (!release) throw new Error(`No release ${version ?? ''} in errata.yaml`.replace('  ', ' '));
  const entries = errata.data.entries.filter((e) => e.fixed_in === release.version);
  const heading = book ? `${book.config.title} ${release.version}` : `Version ${release.version}`;
  const lines = [
    `# ${inline(heading)}`,
    '',
    `Released ${release.date}.`,
    '',
    ...releaseNotesBody(book, release, entries),
  ];
  if (entries.length === 0) lines.push('No corrections in this release.', '');
  return `${lines
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trimEnd()}\n`;
}

export interface ErrataJson {
  schema: 'galley-errata/1';
  book: { title: string; version: string; printing?: number; identifier?: string; language: string };
  releases: { version: string; date: string; printing?: number; summary?: string; anchor: string; entries: string[] }[];
  unreleased: string[];
  entries: {
    id: string;
    kind: ErratumKind;
    section: 'Fixed' | 'Changed';
    fixed_in: string | null;
    location: {
      source: string;
      anchor: string | null;
      chapter: string | null;
      chapter_number: string | null;
      label: string | null;
      question: string | null;
      href: string | null;
    };
    was: string | null;
    now: string | null;
    text: string | null;
    credit: string | null;
    reported: string | null;
    /** Where the entry itself is in the web edition's appendix. */
    appendix_href: string | null;
  }[];
}

/**
 * The errata for a website: the book's version, the releases (newest first)
 * with their entries' ids, and every entry with its location resolved to a
 * path in the web edition (`html/part-2-ml-fundamentals.xhtml#metrics`,
 * relative to the output folder).
 */
export function errataJson(errata: Errata, book: BookLike): ErrataJson {
  const groups = groupByRelease(errata);
  const appendix = appendixChapter(book, errata);
  const stamp = editionStamp(book, errata);
  return {
    schema: 'galley-errata/1',
    book: {
      title: book.config.title,
      version: book.config.version,
      ...(stamp.printing !== undefined ? { printing: stamp.printing } : {}),
      ...(book.config.identifier ? { identifier: book.config.identifier } : {}),
      language: book.config.language,
    },
    releases: groups
      .filter((g) => g.release)
      .map((g) => ({ ...g.release!, anchor: releaseAnchor(g.release!.version), entries: g.entries.map((e) => e.id) })),
    unreleased: groups.filter((g) => !g.release).flatMap((g) => g.entries.map((e) => e.id)),
    entries: errata.data.entries.map((entry) => {
      const at = where(book, entry);
      const [source, anchor] = entry.location.includes('#')
        ? (entry.location.split(/#(.*)/s) as [string, string])
        : [entry.location, undefined];
      return {
        id: entry.id,
        kind: entry.kind,
        section: CHANGELOG_SECTION[entry.kind],
        fixed_in: entry.fixed_in ?? null,
        location: {
          source: at?.chapter.source ?? source,
          anchor: at?.id ?? anchor ?? null,
          chapter: at?.chapter.title ?? null,
          chapter_number: at?.chapter.number ?? null,
          label: at?.label ?? null,
          question: at?.question?.number ?? null,
          href: at ? `html/${at.href}` : null,
        },
        was: entry.was ?? null,
        now: entry.now ?? null,
        text: entry.text ?? null,
        credit: entry.credit ?? null,
        reported: entry.reported ?? null,
        appendix_href: appendix ? `html/${appendix.outName}#${entryAnchor(entry.id)}` : null,
      };
    }),
  };
}

/**
 * Writes `<outDir>/CHANGELOG.md` and `<outDir>/errata.json`, each atomically
 * (a reader sees the old file or the new, never half of one).
 */
export async function writeErrataArtifacts(
  outDir: string,
  errata: Errata,
  book: BookLike,
): Promise<{ changelog: string; json: string }> {
  const changelog = path.join(outDir, 'CHANGELOG.md');
  const json = path.join(outDir, 'errata.json');
  await writeFileAtomic(changelog, errataChangelog(errata, book));
  await writeFileAtomic(json, `${JSON.stringify(errataJson(errata, book), null, 2)}\n`);
  return { changelog, json };
}

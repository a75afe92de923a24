import { LineCounter, parseDocument } from 'yaml';
import type { Book, Chapter } from '../../model/book/types.ts';
import { locate } from '../../model/config/load.ts';
import { report } from '../../util/messages.ts';
import { errataPlace, type Errata } from '../../model/errata/load.ts';
import { resolveLocation } from '../../model/errata/locate.ts';
import { compareVersions, type Release } from '../../model/errata/schema.ts';

/**
 * Rule ids, each settable to off, warn or error under `checks:` in book.yaml:
 * - `errata-schema`: errata.yaml does not match the schema (from the loader);
 * - `errata-duplicate-id`: two entries share an id;
 * - `errata-release-order`: releases not in increasing version and date order;
 * - `errata-fixed-in`: an entry's `fixed_in` names no release;
 * - `errata-location`: an entry's location does not resolve;
 * - `errata-version`: book.yaml's version (or printing) is not the latest release's;
 * - `errata-unreleased`: an entry with no `fixed_in` (a warning; `galley release` makes it an error);
 * - `errata-appendix`: no chapter shows the errata, or `appendix:` names no chapter;
 * - `errata-missing`: chapter text changed since a git ref without a new entry (scripts/checks/errata-changes.ts).
 */
export const ERRATA_RULES = [
  'errata-schema',
  'errata-duplicate-id',
  'errata-release-order',
  'errata-fixed-in',
  'errata-location',
  'errata-version',
  'errata-unreleased',
  'errata-appendix',
  'errata-missing',
] as const;

/** The latest release: the last one listed (the order check makes it the newest). */
export function latestRelease(errata: Errata): Release | undefined {
  return errata.data.releases.at(-1);
}

/** Where book.yaml sets a key (for the version message), or 1:1. */
function configPlace(book: Pick<Book, 'configFile'>, key: string): { line: number; column: number } {
  const text = typeof book.configFile.value === 'string' ? book.configFile.value : String(book.configFile.value ?? '');
  if (!text) return { line: 1, column: 1 };
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, schema: 'core', prettyErrors: false });
  return locate(doc, lines, [key]);
}

/**
 * The chapter that gets the "Errata and changes" appendix: errata.yaml's
 * `appendix:` when set, else the chapter whose front matter says
 * `generate: errata`.
 */
export function appendixChapter(book: Pick<Book, 'chapters'>, errata: Errata): Chapter | undefined {
  const named = errata.data.appendix?.replace(/^\.\//, '');
  if (named) return book.chapters.find((c) => c.source === named);
  return book.chapters.find((c) => c.frontmatter.generate === 'errata');
}

/**
 * Every check on errata.yaml that needs the processed book (headings and
 * question ids known): unique ids, releases in order, `fixed_in` naming a
 * release, locations that resolve, and book.yaml's version equal to the latest
 * release. Messages land on errata.yaml (or book.yaml for the version) at the
 * offending key. Returns the number of error-level messages it added. Run
 * twice on the same book, it replaces its earlier messages.
 */
export function checkErrata(book: Pick<Book, 'chapters' | 'config' | 'configFile'>, errata: Errata): number {
  const file = errata.file;
  // Run again on the same book (prepare() ran it, a command runs it once more): its earlier messages go first.
  const own = new Set<string>(ERRATA_RULES.filter((r) => r !== 'errata-schema' && r !== 'errata-missing'));
  file.messages = file.messages.filter((m) => !own.has(m.ruleId ?? ''));
  book.configFile.messages = book.configFile.messages.filter((m) => m.ruleId !== 'errata-version');
  const before = file.messages.filter((m) => m.fatal).length + book.configFile.messages.filter((m) => m.fatal).length;
  if (!errata.valid) return 0; // the schema messages say what to fix first
  const { releases, entries } = errata.data;

  const seen = new Map<string, number>();
  entries.forEach((entry, index) => {
    const first = seen.get(entry.id);
    if (first !== undefined) {
      const at = errataPlace(errata, ['entries', first, 'id']);
      report(
        file,
        'error',
        `Duplicate erratum id \`${entry.id}\` (first used at line ${at.line}): ids are never reused; \`galley errata add\` picks the next free one`,
        errataPlace(errata, ['entries', index, 'id']),
        'errata-duplicate-id',
      );
    } else {
      seen.set(entry.id, index);
    }
  });

  const versions = new Set<string>();
  releases.forEach((release, index) => {
    if (versions.has(release.version)) {
      report(
        file,
        'error',
        `Release ${release.version} is listed twice`,
        errataPlace(errata, ['releases', index, 'version']),
        'errata-release-order',
      );
      return;
    }
    versions.add(release.version);
    const previous = releases[index - 1];
    if (!previous) return;
    if (compareVersions(release.version, previous.version) <= 0) {
      report(
        file,
        'error',
        `Release ${release.version} comes after ${previous.version} in the list but is not a later version: list releases oldest first`,
        errataPlace(errata, ['releases', index, 'version']),
        'errata-release-order',
      );
    } else if (release.date < previous.date) {
      report(
        file,
        'error',
        `Release ${release.version} is dated ${release.date}, before ${previous.version} (${previous.date}): release dates must not go backwards`,
        errataPlace(errata, ['releases', index, 'date']),
        'errata-release-order',
      );
    }

    if (release.printing !== undefined && previous.printing !== undefined && release.printing < previous.printing) {
      report(
        file,
        'error',
        `Release ${release.version} is printing ${release.printing}, after printing ${previous.printing} of ${previous.version}: printings only go up`,
        errataPlace(errata, ['releases', index, 'printing']),
        'errata-release-order',
      );
    }
  });

  entries.forEach((entry, index) => {
    if (entry.fixed_in !== undefined && !versions.has(entry.fixed_in)) {
      const known = releases.map((r) => r.version).join(', ') || 'none yet';
      report(
        file,
        'error',
        `\`fixed_in: ${entry.fixed_in}\` names no release in \`releases\` (${known})`,
        errataPlace(errata, ['entries', index, 'fixed_in']),
        'errata-fixed-in',
      );
    }
    if (entry.fixed_in === undefined) {
      report(
        file,
        'warning',
        `${entry.id} is not in a release yet (no \`fixed_in\`): it is listed as unreleased until the next release names it`,
        errataPlace(errata, ['entries', index, 'id']),
        'errata-unreleased',
      );
    }

    const resolved = resolveLocation(book, entry.location);
    if (!resolved.ok) {
      report(
        file,
        'error',
        `${entry.id}: ${resolved.reason}`,
        errataPlace(errata, ['entries', index, 'location']),
        'errata-location',
      );
    }
  });

  const latest = latestRelease(errata);
  const version = book.config.version;
  if (!latest) {
    // A book before its first release (no release and no entry yet, as `galley init` starts it) has no version to
    // match; `galley release` still refuses it, since a release needs its notes.
    if (entries.length > 0) {
      report(
        book.configFile,
        'error',
        `book.yaml says version ${version}, but errata.yaml lists no release: add \`releases: [{version: "${version}", date: …}]\``,
        configPlace(book, 'version'),
        'errata-version',
      );
    }
  } else if (latest.version !== version) {
    const fix =
      compareVersions(version, latest.version) > 0
        ? `add release ${version} to errata.yaml`
        : `set \`version: "${latest.version}"\``;
    report(
      book.configFile,
      'error',
      `book.yaml says version ${version}, but the latest release in errata.yaml is ${latest.version}: ${fix}`,
      configPlace(book, 'version'),
      'errata-version',
    );
  } else if (
    book.config.printing !== undefined &&
    latest.printing !== undefined &&
    book.config.printing !== latest.printing
  ) {
    report(
      book.configFile,
      'error',
      `book.yaml says printing ${book.config.printing}, but release ${latest.version} in errata.yaml is printing ${latest.printing}`,
      configPlace(book, 'printing'),
      'errata-version',
    );
  }

  if (errata.data.appendix && !appendixChapter(book, errata)) {
    report(
      file,
      'error',
      `\`appendix: ${errata.data.appendix}\` is not a chapter in SUMMARY.md`,
      errataPlace(errata, ['appendix']),
      'errata-appendix',
    );
  } else if (!appendixChapter(book, errata) && (entries.length > 0 || releases.length > 0)) {
    report(
      file,
      'warning',
      'No chapter shows the errata: add `generate: errata` to the front matter of a chapter, or `appendix: back/errata.md` here',
      { line: 1, column: 1 },
      'errata-appendix',
    );
  }

  const after = file.messages.filter((m) => m.fatal).length + book.configFile.messages.filter((m) => m.fatal).length;
  return after - before;
}

import { realpathSync, readdirSync } from 'node:fs';
import { checkBookFile } from './book-file.ts';
import path from 'node:path';

/** Decodes percent-escapes until nothing changes, so `%252e%252e` cannot hide a `..`. */
export function fullyDecode(value: string): string {
  let current = value;
  for (let i = 0; i < 8; i++) {
    let next: string;
    try {
      next = decodeURIComponent(current);
    } catch {
      return current;
    }
    if (next === current) return current;
    current = next;
  }
  return current;
}

/** One level of percent-decoding, or the text as it is when its escapes are malformed. */
export function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

export function isRemote(href: string): boolean {
  return /^[a-z][a-z0-9+.-]*:/i.test(href.trim()) || href.trim().startsWith('//');
}

const dotSegments = (value: string) => value.split('/').filter((segment) => segment === '.' || segment === '..').length;

export type Resolved =
  | {
      ok: true;
      absolute: string;
      relative: string;
      /** A regular file is there. */
      exists: boolean;
      /** A folder is there (a link may name one; a reader must not). */
      folder?: boolean;
    }
  /** `severe`: the real path is refused (a secret, a FIFO): an error wherever the reference is. */
  | { ok: false; reason: string; severe?: boolean };

const OUTSIDE = 'is outside the manuscript: use a path relative to the chapter that stays inside the book folder';

/**
 * Resolves a local resource reference (image, link target) against the file
 * that names it, refusing anything that leaves the manuscript: schemes,
 * absolute and protocol-relative paths, backslashes, `..` after full decoding,
 * and symlinks whose real target lies outside.
 */
export function resolveLocal(root: string, fromFile: string, href: string): Resolved {
  const raw = href.trim();
  if (/^[a-z][a-z0-9+.-]*:/i.test(raw) || raw.startsWith('//')) return { ok: false, reason: `\`${href}\` ${OUTSIDE}` };
  const decoded = fullyDecode(raw.split('#')[0]!.split('?')[0]!);
  if (/[\\\0]/.test(decoded) || /[\u0000-\u001f]/.test(decoded))
    return { ok: false, reason: `\`${href}\` contains a backslash or control character` };
  if (decoded.startsWith('/') || /^[a-z][a-z0-9+.-]*:/i.test(decoded))
    return { ok: false, reason: `\`${href}\` ${OUTSIDE}` };
  const rootAbs = path.resolve(root);
  const absolute = path.resolve(path.dirname(fromFile), decoded);
  const relative = path.relative(rootAbs, absolute);
  if (relative === '' || relative.startsWith('..') || path.isAbsolute(relative))
    return { ok: false, reason: `\`${href}\` ${OUTSIDE}` };
  // Hidden files and folders (`.git/config` holds CI's checkout token) are never part of a book.
  if (relative.split(path.sep).some((segment) => segment.startsWith('.')))
    return { ok: false, reason: `\`${href}\` is a hidden file or inside a hidden folder: books may not use those` };
  // `images/%2e%2e/x.png` stays inside, but no author writes a dot segment in escapes: refuse what hides one.
  if (dotSegments(decoded) > dotSegments(raw.split('#')[0]!.split('?')[0]!))
    return { ok: false, reason: `\`${href}\` hides \`..\` or \`.\` in percent-escapes: write the path plainly` };
  // By real path: a plainly written `notes.md` may be a link to `.git/config`, a FIFO or a folder.
  const checked = checkBookFile(rootAbs, absolute);
  if (!checked.ok && !checked.missing && !checked.folder)
    return { ok: false, reason: `\`${href}\` ${checked.reason}`, severe: !checked.outside };
  const folder = !checked.ok && !checked.missing ? checked.folder : undefined;
  return { ok: true, absolute, relative: relative.split(path.sep).join('/'), exists: checked.ok, folder };
}

/**
 * Whether `file`, read by a fixed name (book.yaml, SUMMARY.md, a `.bib`), is
 * a symlink, or lies under one, whose real target is outside `root`. Git
 * stores symlinks, so a pull request can add `book.yaml → /etc/passwd`.
 */
/**
 * Whether `target` (a folder a setting names) is inside `boundary`, both as
 * written and once symlinks are resolved.
 */
export function isInside(boundary: string, target: string): boolean {
  const relative = path.relative(path.resolve(boundary), path.resolve(target));
  if (relative === '..' || relative.startsWith(`..${path.sep}`) || path.isAbsolute(relative)) return false;
  return !linksOutside(boundary, target);
}

export function linksOutside(root: string, file: string): boolean {
  try {
    const relative = path.relative(realpathSync(root), realpathSync(file));
    return relative === '..' || relative.startsWith(`..${path.sep}`) || path.isAbsolute(relative);
  } catch {
    return false;
  }
}

/** Whether every segment of `relative` exists under `root` with exactly this case (a case-insensitive disk would say yes to `Images/a.png`). */
export function existsWithExactCase(root: string, relative: string): { ok: boolean; actual?: string } {
  let dir = root;
  const actual: string[] = [];
  let ok = true;
  for (const segment of relative.split('/')) {
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      return { ok: false };
    }
    if (names.includes(segment)) {
      actual.push(segment);
    } else {
      const other = names.find((name) => name.toLowerCase() === segment.toLowerCase());
      if (!other) return { ok: false };
      ok = false;
      actual.push(other);
    }
    dir = path.join(dir, actual[actual.length - 1]!);
  }
  return { ok, actual: actual.join('/') };
}

export function toPosix(p: string): string {
  return p.split(path.sep).join('/');
}

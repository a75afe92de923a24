import GithubSlugger, { slug as githubSlug } from 'github-slugger';

/**
 * The one slug function: heading anchors in every output and the link checks
 * both come from here, so a check and a build can never disagree.
 */
export function slug(text: string): string {
  return githubSlug(text);
}

export type SlugStyle = 'github' | 'mdbook';

/** mdBook's `normalize_id`: alphanumerics, `_` and `-` kept (ASCII lowercased), whitespace to `-`, the rest dropped. */
export function mdbookSlug(text: string): string {
  let out = '';
  for (const ch of text.trim()) {
    if (/[\p{L}\p{N}_-]/u.test(ch)) out += /[A-Z]/.test(ch) ? ch.toLowerCase() : ch;
    else if (/\s/.test(ch)) out += '-';
  }
  return out;
}

/** Per-document slugger that makes repeated headings unique (`intro`, `intro-1`), GitHub's way or mdBook's. */
export function createSlugger(taken: Iterable<string> = [], style: SlugStyle = 'github') {
  const slugger = new GithubSlugger();
  const used = new Set(taken);
  const counts = new Map<string, number>();
  const mdbook = (text: string) => {
    const base = mdbookSlug(text) || 'section';
    const n = counts.get(base) ?? 0;
    counts.set(base, n + 1);
    return n === 0 ? base : `${base}-${n}`;
  };
  return {
    /** A unique id for a heading's text. */
    next(text: string): string {
      const make = () => (style === 'mdbook' ? mdbook(text) : slugger.slug(text) || 'section');
      let id = make();
      while (used.has(id)) id = make();
      used.add(id);
      return id;
    },
    /** Reserves an explicit id; returns a unique variant if taken. */
    reserve(id: string): string {
      let candidate = id;
      for (let n = 1; used.has(candidate); n++) candidate = `${id}-${n}`;
      used.add(candidate);
      return candidate;
    },
    has(id: string) {
      return used.has(id);
    },
  };
}

/** A file-name-safe ASCII name: `Ünï Chapter’s & Co` → `uni-chapters-co`; never empty, never a Windows device name. */
export function safeName(text: string): string {
  const ascii = text.normalize('NFKD').replace(/[\u0300-\u036f]/g, '');
  let name = ascii
    .toLowerCase()
    .replace(/[’'"]/g, '')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 64)
    .replace(/-+$/g, '');
  if (!name) name = 'part';
  if (/^(con|prn|aux|nul|com\d|lpt\d)$/.test(name)) name = `${name}-file`;
  return name;
}

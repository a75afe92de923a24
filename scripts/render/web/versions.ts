import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { compareVersions } from '../../model/errata/schema.ts';

/** One released version as the version menu lists it. */
export interface VersionEntry {
  version: string;
  /** From errata.yaml's release, when it has one. */
  date?: string;
  /** Its site from the release folder (`1.0.0/web/`); none for a version released before Galley wrote sites. */
  site?: string;
  /** Its pages from the site's root, so a link to "this page" falls back to the title page where the page is gone. */
  pages?: string[];
}

/** The folder of a version's site inside `release/<version>/`. */
export const RELEASE_SITE = 'web';

async function sitePages(dir: string): Promise<string[]> {
  const names = await readdir(dir, { recursive: true });
  return names
    .map((name) => String(name).split(path.sep).join('/'))
    .filter((name) => name.endsWith('.html') && !name.endsWith('404.html'))
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/**
 * Every released version: the sites in the release folder (each
 * `<version>/web/`) and the releases errata.yaml lists, newest first.
 */
export async function releasedVersions(
  releaseDir: string,
  errataReleases: { version: string; date: string }[],
): Promise<VersionEntry[]> {
  const found = new Map<string, VersionEntry>();
  for (const entry of await readdir(releaseDir, { withFileTypes: true }).catch(() => [])) {
    if (!entry.isDirectory() || entry.name.startsWith('.')) continue;
    const site = path.join(releaseDir, entry.name, RELEASE_SITE);
    const pages = await sitePages(site).catch(() => undefined);
    if (!pages?.includes('index.html')) continue;
    found.set(entry.name, { version: entry.name, site: `${encodeURIComponent(entry.name)}/${RELEASE_SITE}/`, pages });
  }
  for (const release of errataReleases) {
    const known = found.get(release.version);
    found.set(release.version, { ...(known ?? { version: release.version }), date: release.date });
  }
  return [...found.values()].sort((a, b) => compareVersions(b.version, a.version));
}

/** `release/versions.js`: a script, not JSON, so a page opened from `file://` can load it with a script tag. */
export function versionsScript(versions: VersionEntry[]): string {
  const newest = versions.find((v) => v.site)?.version ?? versions[0]?.version;
  const payload = { newest, versions };
  return `window.galleyVersions = ${JSON.stringify(payload).replace(/</g, '\\u003c')};\n`;
}

/**
 * Opens a build's cache (model/build-cache.ts) where the caller's
 * `cache` setting says: the user's cache folder (`true`), a chapter folder of
 * its own (a path), or none (`false`, `--no-cache`).
 */
import { linkOnPath } from '../../util/atomic.ts';
import {
  defaultDeflateDir,
  defaultDiagramDir,
  defaultPrintDir,
  defaultTextLayerDir,
  trackedByGit,
} from '../../util/cache-location.ts';
import { BuildCache } from '../../model/build-cache.ts';
import { defaultCacheDir } from './chapter-cache.ts';

/** The chapter cache folder `cache` means, or undefined for none. */
export function chapterCacheDir(cache: boolean | string | undefined): string | undefined {
  const wanted = cache === false ? undefined : typeof cache === 'string' ? cache : defaultCacheDir();
  // A cache folder git tracks came with the sources (a pull request can write it): never read nor written. Nor one
  // that is a link or lies under one (a committed `.galley-cache` link would send the writes elsewhere).
  return wanted && !linkOnPath(wanted) && !trackedByGit(wanted) ? wanted : undefined;
}

const usableDir = (dir: string) => (!linkOnPath(dir) && !trackedByGit(dir) ? dir : undefined);

/** A fresh cache for one build (or one `galley dev` session). */
export function openBuildCache(cache: boolean | string | undefined = true): BuildCache {
  return new BuildCache({
    chapters: chapterCacheDir(cache),
    deflate: cache === false ? undefined : defaultDeflateDir(),
    diagrams: cache === false ? undefined : usableDir(defaultDiagramDir()),
    print: cache === false ? undefined : usableDir(defaultPrintDir()),
    textLayer: cache === false ? undefined : usableDir(defaultTextLayerDir()),
  });
}

/**
 * Waits for `work` or `ms` milliseconds, whichever comes first, and clears the
 * timer either way: a timer left pending keeps the process alive after the
 * work is done (every `galley build` that printed once idled five seconds at
 * its end for it).
 */
export async function withinDeadline<T>(work: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      work,
      new Promise<undefined>((resolve) => {
        timer = setTimeout(() => resolve(undefined), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

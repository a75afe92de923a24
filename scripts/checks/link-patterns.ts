import vm from 'node:vm';

/**
 * `links.external.allow` / `ignore` patterns from book.yaml, which a pull
 * request can write. Globs are matched by a linear scan (no regular
 * expression built from them, so `*a*a*a…` cannot backtrack); a
 * `/regular expression/` runs in a V8 context with a time limit, shared by
 * every test of one check, so `/(a+)+b/` ends with an error instead of a hang.
 */

/** Thrown when a book.yaml regular expression runs out of its time. */
export class PatternTimeout extends Error {
  constructor(
    readonly pattern: string,
    ms: number,
  ) {
    super(
      `The link pattern \`${pattern}\` took more than ${ms} ms to match: it backtracks (nested quantifiers such as (a+)+). Use a glob (example.com/docs/*) or a simpler regular expression`,
    );
  }
}

/** Time left for every regular expression of one check, in milliseconds. */
export class RegexBudget {
  constructor(
    public remainingMs = 2000,
    readonly totalMs = remainingMs,
  ) {}
}

/** `*` matches any run of characters; everything else itself. Greedy-star scan, O(text × pattern) at worst. */
export function globMatch(glob: string, text: string, ignoreCase = true): boolean {
  const p = ignoreCase ? glob.toLowerCase() : glob;
  const t = ignoreCase ? text.toLowerCase() : text;
  let i = 0;
  let j = 0;
  let star = -1;
  let mark = 0;
  while (i < t.length) {
    if (j < p.length && p[j] !== '*' && p[j] === t[i]) {
      i++;
      j++;
    } else if (j < p.length && p[j] === '*') {
      star = j++;
      mark = i;
    } else if (star >= 0) {
      j = star + 1;
      i = ++mark;
    } else {
      return false;
    }
  }
  while (j < p.length && p[j] === '*') j++;
  return j === p.length;
}

// One context for every test: the timeout applies to the script run in it, and interrupts a backtracking RegExp.
// Not cache state: each test writes its inputs into it before running and reads only that run's result.
const sandbox: { source: string; subject: string; result: boolean } = vm.createContext({
  source: '',
  subject: '',
  result: false,
}) as { source: string; subject: string; result: boolean };
const script = new vm.Script('result = new RegExp(source).test(subject)');

/** `new RegExp(source).test(subject)`, stopped after the budget's time. */
export function boundedTest(source: string, subject: string, budget: RegexBudget, pattern = `/${source}/`): boolean {
  if (budget.remainingMs <= 0) throw new PatternTimeout(pattern, budget.totalMs);
  const started = performance.now();
  try {
    sandbox.source = source;
    sandbox.subject = subject;
    script.runInContext(sandbox, { timeout: Math.max(1, Math.ceil(budget.remainingMs)) });
    return sandbox.result === true;
  } catch (error) {
    if ((error as { code?: string }).code === 'ERR_SCRIPT_EXECUTION_TIMEOUT') {
      budget.remainingMs = 0;
      throw new PatternTimeout(pattern, budget.totalMs);
    }
    throw error;
  } finally {
    budget.remainingMs -= performance.now() - started;
  }
}

function withoutHash(url: URL): string {
  const copy = new URL(url.href);
  copy.hash = '';
  return copy.href;
}

/**
 * A predicate for one pattern (see `linkPattern` in config/schema.ts):
 * `example.com` (host and subdomains, optional port), `example.com/docs/*`
 * (host and path), `https://example.com/*` (whole URL), `/regex/` (unanchored).
 */
export function compilePattern(pattern: string, budget = new RegexBudget()): (url: URL) => boolean {
  const regex = /^\/(.+)\/$/.exec(pattern);
  if (regex) {
    const source = regex[1]!;
    new RegExp(source); // a syntax error now, not per URL
    return (url) => boundedTest(source, withoutHash(url), budget, pattern);
  }
  if (pattern.includes('://')) return (url) => globMatch(pattern, withoutHash(url));
  if (pattern.includes('/')) return (url) => globMatch(pattern, url.host + url.pathname + url.search);
  // A host: itself or any subdomain; with a port, the port must match too.
  return (url) => {
    const host = pattern.includes(':') ? url.host : url.hostname;
    return globMatch(pattern, host) || globMatch(`*.${pattern}`, host);
  };
}

/**
 * No module in scripts/ keeps cache state at module level (issue 26): a memo kept by a module outlives the build
 * that filled it, is shared by two builds in one process and hides what the build cache holds. A build's caches
 * live in its `BuildCache` (scripts/model/build-cache.ts) or in an object made for one call.
 *
 * This scans every module's top-level bindings with TypeScript's parser and binder: a `let` or `var`, or a `const`
 * holding a collection or object that the module changes afterwards (`.set`, `.add`, `.push`, `x[k] = …`), is
 * state. The few that must stay are listed below with the reason, which their module also gives in a comment.
 * A constant table (a `Set` of tag names, say) is never changed, so it is not listed.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { ROOT } from './helpers.ts';

/** `file:name` → why it is not a build's cache state (its module says so in a comment saying "not cache state"). */
const ALLOWED: Record<string, string> = {
  'scripts/checks/ace.ts:loaded': 'DAISY Ace, loaded on first use like an import',
  'scripts/checks/link-patterns.ts:sandbox': 'a vm context every test writes its inputs into first',
  'scripts/markdown/plugins/highlight-code.ts:fromLowlight': 'the grammar library, loaded on first use',
  'scripts/markdown/plugins/highlight-code.ts:lowlight': 'the highlighter, made on first use',
  'scripts/markdown/plugins/highlight-code.ts:registered': 'grammars registered in that highlighter',
  'scripts/util/toolchain-version.ts:toolchain': 'the running code’s identity, fixed while it runs',
  'scripts/passes/cache/dependencies.ts:active': 'the probe of one synchronous call',
  'scripts/passes/cache/dependencies.ts:paused': 'the probe of one synchronous call',
  'scripts/render/browser.ts:launchListeners': 'registry for tests that watch launches',
  'scripts/render/browser.ts:open': 'open browsers, for the signal handlers',
  'scripts/render/browser.ts:signalsInstalled': 'signal handlers installed once',
  'scripts/render/diagrams/mermaid-page.ts:bundle': 'the Mermaid bundle, read on first use like an import',
  'scripts/render/epub/deflate-cache.ts:engineName': 'the installed fflate’s version',
  'scripts/render/pdf/adjust.ts:poppler': 'which pdftotext the machine has',
  'scripts/render/pdf/lib-speed.ts:installed': 'a patch put into pdf-lib once',
  'scripts/render/pdf/post/srgb-icc.ts:cached': 'a constant made on first use',
  'scripts/render/web/search-index.ts:segmenters': 'Intl.Segmenter per language, keeping nothing between texts',
  'scripts/render/xhtml-serialise.ts:infos': 'how a library writes each property name: the same in every build',
  'scripts/render/xhtml-serialise.ts:names': 'a pure function of the name',
  'scripts/util/book-file.ts:gitDirCache': 'facts about the machine per manuscript root (git is a process to start)',
  'scripts/util/book-file.ts:realRoots': 'the real path of a manuscript root',
  'scripts/util/cache-location.ts:secrets': 'the key this process uses per cache folder, fixed for its life',
};

const MUTATORS = new Set([
  'set',
  'add',
  'delete',
  'clear',
  'push',
  'pop',
  'shift',
  'unshift',
  'splice',
  'sort',
  'fill',
]);

function modules(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return modules(full);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts') ? [full] : [];
  });
}

/** Top-level bindings of every module that hold state: `let`/`var`, or a `const` the module mutates. */
function moduleState(files: string[]): string[] {
  const program = ts.createProgram(files, { noResolve: true, noLib: true, types: [], allowJs: false });
  const checker = program.getTypeChecker();
  const found: string[] = [];
  for (const file of files) {
    const source = program.getSourceFile(file)!;
    const declared = new Map<ts.Symbol, { name: string; kind: 'let' | 'const' }>();
    for (const statement of source.statements) {
      if (!ts.isVariableStatement(statement)) continue;
      const list = statement.declarationList;
      const kind = list.flags & (ts.NodeFlags.Const | ts.NodeFlags.Using) ? 'const' : 'let';
      for (const declaration of list.declarations) {
        if (!ts.isIdentifier(declaration.name)) continue;
        const symbol = checker.getSymbolAtLocation(declaration.name);
        if (symbol) declared.set(symbol, { name: declaration.name.text, kind });
      }
    }
    const mutated = new Set<string>();
    const visit = (node: ts.Node) => {
      if (ts.isIdentifier(node) && !ts.isVariableDeclaration(node.parent)) {
        const symbol = checker.getSymbolAtLocation(node);
        const binding = symbol && declared.get(symbol);
        if (binding && binding.kind === 'const' && mutates(node)) mutated.add(binding.name);
      }
      ts.forEachChild(node, visit);
    };
    visit(source);
    const relative = path.relative(ROOT, file).split(path.sep).join('/');
    for (const { name, kind } of declared.values())
      if (kind === 'let' || mutated.has(name)) found.push(`${relative}:${name}`);
  }
  return found.sort();
}

/**
 * `x.set(…)`, `x.push(…)`, `x[k] = …`, `x.p = …`, `x[k] ??= …`, `delete x[k]`, also through a path
 * (`x[space].set(…)`), inside a function: what runs while the module loads builds a table, it does not keep state.
 * A regular expression's `lastIndex` is a cursor every use sets first, not something kept.
 */
function mutates(id: ts.Identifier): boolean {
  if (!insideFunction(id)) return false;
  let node: ts.Expression = id;
  for (;;) {
    const parent: ts.Node = node.parent;
    if (ts.isPropertyAccessExpression(parent) && parent.expression === node) {
      if (parent.name.text === 'lastIndex') return false;
      if (ts.isCallExpression(parent.parent) && parent.parent.expression === parent && MUTATORS.has(parent.name.text))
        return true;
    } else if (!(ts.isElementAccessExpression(parent) && parent.expression === node)) {
      return false;
    }
    if (assignedTo(parent)) return true;
    node = parent;
  }
}

function insideFunction(node: ts.Node): boolean {
  for (let at = node.parent; !ts.isSourceFile(at); at = at.parent) if (ts.isFunctionLike(at)) return true;
  return false;
}

function assignedTo(node: ts.Expression): boolean {
  const parent = node.parent;
  if (ts.isDeleteExpression(parent)) return true;
  if (ts.isPrefixUnaryExpression(parent) || ts.isPostfixUnaryExpression(parent))
    return parent.operator === ts.SyntaxKind.PlusPlusToken || parent.operator === ts.SyntaxKind.MinusMinusToken;

  return (
    ts.isBinaryExpression(parent) &&
    parent.left === node &&
    parent.operatorToken.kind >= ts.SyntaxKind.FirstAssignment &&
    parent.operatorToken.kind <= ts.SyntaxKind.LastAssignment
  );
}

describe('module-level state', () => {
  const found = moduleState(modules(path.join(ROOT, 'scripts')));

  it('no module keeps state at module level but the listed ones', () => {
    expect(found.filter((key) => !(key in ALLOWED))).toEqual([]);
  });

  it('every listed exception still exists (the list stays short)', () => {
    expect(Object.keys(ALLOWED).filter((key) => !found.includes(key))).toEqual([]);
  });

  it('each listed exception says in its module why it is not cache state', () => {
    const silent = Object.keys(ALLOWED).filter((key) => {
      const [file, name] = key.split(':') as [string, string];
      const lines = readFileSync(path.join(ROOT, file), 'utf8').split('\n');
      const at = lines.findIndex((line) => new RegExp(`^(export )?(const|let|var) ${name}\\b`).test(line));
      const comment = lines
        .slice(Math.max(0, at - 8), at)
        .map((line) => line.replace(/^\s*(\/\/|\/?\*+\/?)/, ''))
        .join(' ')
        .replace(/\s+/g, ' ')
        .toLowerCase();
      return !comment.includes('not cache state');
    });
    expect(silent).toEqual([]);
  });

  it('sees state: a let, a memo filled later, a table changed afterwards', () => {
    const dir = path.join(ROOT, 'tests/fixtures/module-state');
    expect(moduleState(modules(dir)).map((key) => key.split('/').at(-1))).toEqual([
      'memo.ts:cache',
      'memo.ts:last',
      'memo.ts:nested',
      'memo.ts:table',
    ]);
  });
});

/**
 * The diagnostics module (model/diagnostics.ts) and the text report, which alone needs vfile-reporter: only
 * `galley check` and library callers of `formatText` load it.
 */
import { VFile } from 'vfile';
import { reporter } from 'vfile-reporter';
import { inert, summaryLine, type Diagnostic } from './diagnostics.ts';

export * from './diagnostics.ts';

/**
 * The text report is vfile-reporter's own output, over VFiles rebuilt from the
 * inert diagnostics: the layout unified tools print, with no control character
 * reaching the terminal from a file name, message or rule id.
 */
export function formatText(all: Diagnostic[], options: { color?: boolean } = {}): string {
  const list = all.map(inert);
  if (list.length === 0) return summaryLine(list);
  const files = new Map<string, VFile>();
  for (const d of list) {
    let file = files.get(d.file);
    if (!file) files.set(d.file, (file = new VFile({ path: d.file })));
    const message = file.message(d.message, { place: { line: d.line, column: d.column }, ruleId: d.ruleId });
    // vfile's three levels: true is an error, false a warning, undefined an info.
    message.fatal = d.severity === 'error' ? true : d.severity === 'warning' ? false : undefined;
  }
  return reporter([...files.values()], { color: Boolean(options.color), quiet: true });
}

import type { VFile } from 'vfile';
import { report } from './messages.ts';

const strict = new TextDecoder('utf-8', { fatal: true });
const lenient = new TextDecoder('utf-8', { fatal: false });
const BIDI = /[\u202A-\u202E\u2066-\u2069]/g;
/** What XML 1.0 cannot hold (C0 controls but tab and line ends, U+FFFE, U+FFFF): no XHTML, EPUB or PDF could carry it. */
const NOT_XML = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g;

/** Byte offset of the first invalid UTF-8 sequence, found by decoding ever shorter prefixes line by line. */
function firstInvalidLine(bytes: Uint8Array): { line: number; column: number } {
  let line = 1;
  let start = 0;
  for (let i = 0; i <= bytes.length; i++) {
    if (i === bytes.length || bytes[i] === 0x0a) {
      try {
        strict.decode(bytes.subarray(start, i));
      } catch {
        return { line, column: 1 };
      }
      line++;
      start = i + 1;
    }
  }
  return { line, column: 1 };
}

/**
 * Source text as the pipeline wants it: valid UTF-8 (an error otherwise, with
 * its line), no BOM, LF line ends, NUL replaced by U+FFFD as CommonMark says
 * (and so is every other character XML cannot hold), and a warning for bidi
 * controls, which can make source read differently from how it renders.
 */
export function decodeSource(bytes: Uint8Array, file: VFile): string {
  let text: string;
  try {
    text = strict.decode(bytes);
  } catch {
    report(file, 'error', 'Invalid UTF-8: save the file as UTF-8', firstInvalidLine(bytes), 'encoding');
    text = lenient.decode(bytes);
  }
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  text = text.replace(/\r\n?/g, '\n').replace(NOT_XML, '\uFFFD');
  if (BIDI.test(text)) {
    BIDI.lastIndex = 0;
    const lines = text.split('\n');
    lines.forEach((content, index) => {
      const column = content.search(BIDI);
      if (column >= 0) {
        report(
          file,
          'warning',
          'Bidirectional control character: it can make the source read differently from the output',
          { line: index + 1, column: column + 1 },
          'bidi-control',
        );
      }
    });
  }
  return text;
}

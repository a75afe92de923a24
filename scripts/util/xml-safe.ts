/**
 * The last word on what reaches an XML file. XML 1.0 cannot hold C0 controls
 * (but tab and line ends), U+FFFE, U+FFFF or lone surrogates, which can still
 * arrive after source decoding (a YAML `"\uD800"` title, an HTML `&#xFFFE;`),
 * and character data must not contain `]]>` (EPUBCheck RSC-016 is fatal).
 * Every XML serialiser ends with these.
 */

/** Characters XML 1.0 cannot hold, including UTF-16 surrogates without their partner. */
export const NOT_XML_CHARS =
  /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** `text` with every character XML cannot hold replaced by U+FFFD. */
export function xmlChars(text: string): string {
  return text.replace(NOT_XML_CHARS, '\uFFFD');
}

/** Text or attribute value escaped for XML, with illegal characters replaced. */
export function escapeXmlText(text: string): string {
  return xmlChars(text).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/**
 * Serialised XML made safe: illegal characters replaced and every `]]>`
 * written `]]&gt;` (equivalent in text and in attribute values; Galley writes
 * no CDATA sections).
 */
export function xmlSafeMarkup(xml: string): string {
  return xmlChars(xml).replace(/\]\]>/g, ']]&gt;');
}

/** ISBN check digits (ISO 2108): ISBN-10 weights 10…1 modulo 11, ISBN-13 weights 1,3 modulo 10. */

/** The digits of an ISBN as written (`978-0-306-40615-7`, `0 306 40615 2`, `urn:isbn:…`). */
export function isbnDigits(value: string): string {
  return value
    .trim()
    .replace(/^(urn:)?isbn(-1[03])?:?\s*/i, '')
    .replace(/[\s-]/g, '')
    .toUpperCase();
}

/** Why `value` is not a valid ISBN, or undefined when it is one. */
export function isbnProblem(value: string): string | undefined {
  const digits = isbnDigits(value);
  if (/^\d{9}[\dX]$/.test(digits)) {
    const sum = [...digits].reduce((total, d, i) => total + (d === 'X' ? 10 : Number(d)) * (10 - i), 0);
    if (sum % 11 !== 0) return `ISBN-10 ${value} has a wrong check digit (expected ${isbn10Check(digits)})`;
    return undefined;
  }
  if (/^97[89]\d{10}$/.test(digits)) {
    const expected = isbn13Check(digits);
    if (digits.at(-1) !== expected) return `ISBN-13 ${value} has a wrong check digit (expected ${expected})`;
    return undefined;
  }
  return `expected an ISBN-13 (978… or 979…, 13 digits) or an ISBN-10 (10 digits, the last may be X), got ${value}`;
}

function isbn10Check(digits: string): string {
  const sum = [...digits.slice(0, 9)].reduce((total, d, i) => total + Number(d) * (10 - i), 0);
  const check = (11 - (sum % 11)) % 11;
  return check === 10 ? 'X' : String(check);
}

function isbn13Check(digits: string): string {
  const sum = [...digits.slice(0, 12)].reduce((total, d, i) => total + Number(d) * (i % 2 === 0 ? 1 : 3), 0);
  return String((10 - (sum % 10)) % 10);
}

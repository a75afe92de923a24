/**
 * A record's own entry for a key the author wrote (a fence name, an alias,
 * a language code): `record[key]` alone would answer `constructor` or
 * `toString` with Object.prototype's functions.
 */
export function own<T>(record: Readonly<Record<string, T>>, key: string): T | undefined {
  return Object.hasOwn(record, key) ? record[key] : undefined;
}

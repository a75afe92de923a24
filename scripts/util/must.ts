/**
 * The value an invariant guarantees (a map entry just set, a capture group the pattern cannot skip), or an error
 * that names it. Used where a non-null assertion would let a broken invariant travel on as `undefined`.
 */
export function must<T>(value: T | null | undefined, what: string): T {
  if (value === undefined || value === null) throw new Error(`Internal error: ${what} is missing`);
  return value;
}

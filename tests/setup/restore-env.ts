/**
 * vitest setup file (slow project): the environment each test file found is
 * the one the next file in the same worker finds. With `isolate: false` files
 * share a process, and a few set SOURCE_DATE_EPOCH in a `beforeAll` for good.
 */
import { afterAll } from 'vitest';

const found = { ...process.env };

afterAll(() => {
  for (const key of Object.keys(process.env)) if (!(key in found)) delete process.env[key];
  Object.assign(process.env, found);
});

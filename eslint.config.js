// @ts-check
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: [
      'node_modules/',
      'dist/',
      'lib/',
      'coverage/',
      '.galley-cache/',
      'tests/books/',
      'tests/corpora/',
      'tests/fixtures/',
      'manuscript/',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      globals: { ...globals.node },
      parserOptions: { project: true, tsconfigRootDir: import.meta.dirname },
    },
  },
  // Plain JavaScript (this file, the web edition's scripts) has no types to check.
  { files: ['**/*.{js,cjs,mjs}'], ...tseslint.configs.disableTypeChecked },
  // The web edition's own scripts run in the reader's browser.
  { files: ['templates/**/*.js'], languageOptions: { globals: { ...globals.browser } } },
  {
    rules: {
      // Sanitizers and hostile-input tests match control characters on purpose.
      'no-control-regex': 'off',
      // No `if … for … if` chains on one line: a nested statement gets braces.
      curly: ['error', 'multi-or-nest', 'consistent'],
      // A page opened on the Browser itself misses the build's own context when the browser is shared
      // (GALLEY_BROWSER_WS_ENDPOINT): GalleyBrowser.newPage() opens it where the build's pages belong.
      'no-restricted-syntax': [
        'error',
        {
          selector: "CallExpression[callee.property.name='newPage'][callee.object.property.name='browser']",
          message: 'Open pages with GalleyBrowser.newPage(), not its Browser: a shared browser needs the context.',
        },
      ],
    },
  },
);

import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import reactHooks from 'eslint-plugin-react-hooks';
import globals from 'globals';
// web boundaries (imports)
import { readdirSync } from 'node:fs';
import { importX } from 'eslint-plugin-import-x';
import { createTypeScriptImportResolver } from 'eslint-import-resolver-typescript';

// ---- web boundaries ----------------------------------------------------------------------
// web/src layers (docs/frontend.md "Layers"): app -> features -> api, components, lib.
// A feature imports only itself and the shared folders; what two features need moves to
// web/src/api (queries, mutations) or web/src/components (UI); app/ composes features.
// Every folder under web/src/features gets its zone, so a new feature is covered as it appears.
const WEB = './web/src';
const webFeatures = readdirSync(new URL(`${WEB}/features`, import.meta.url), { withFileTypes: true })
  .filter((entry) => entry.isDirectory())
  .map((entry) => entry.name);
const webBoundaries = {
  name: 'web boundaries',
  files: ['web/src/**/*.{ts,tsx}'],
  plugins: { 'import-x': importX },
  settings: {
    // TypeScript sources are parsed for no-cycle (the plugin's default is .js only); '@/' resolves with web/tsconfig.json.
    'import-x/extensions': ['.ts', '.tsx', '.js'],
    'import-x/parsers': { '@typescript-eslint/parser': ['.ts', '.tsx'] },
    'import-x/resolver-next': [createTypeScriptImportResolver({ project: `${import.meta.dirname}/web/tsconfig.json` })],
  },
  rules: {
    'import-x/no-restricted-paths': [
      'error',
      {
        basePath: import.meta.dirname,
        zones: [
          ...webFeatures.map((feature) => ({
            target: `${WEB}/features/${feature}`,
            from: `${WEB}/features`,
            except: [`./${feature}`],
            message: 'Features do not import each other: move what both need to web/src/api or web/src/components, or compose them in web/src/app.',
          })),
          {
            target: `${WEB}/features`,
            from: `${WEB}/app`,
            message: 'Features do not import the app: app/ composes features, never the other way.',
          },
          {
            target: [`${WEB}/api`, `${WEB}/components`, `${WEB}/lib`],
            from: [`${WEB}/features`, `${WEB}/app`],
            message: 'Shared code (api, components, lib) does not import features or the app.',
          },
          {
            target: `${WEB}/lib`,
            from: `${WEB}/api`,
            message: 'lib/ is the infrastructure under the shared queries (web/src/api), not above them.',
          },
          // Exception: web/src/testing may import web/src/app (renderApp renders the whole app).
          {
            target: `${WEB}/testing`,
            from: `${WEB}/features`,
            message: 'Test support does not import features: tests render the app or import their feature themselves.',
          },
        ],
      },
    ],
    'import-x/no-cycle': 'error',
  },
};
// ---- end web boundaries ------------------------------------------------------------------

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', 'web/public/mockServiceWorker.js', '**/.data/**', 'e2e/test-results/**', 'e2e/playwright-report/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: { ...globals.node, ...globals.browser },
      parserOptions: { projectService: { allowDefaultProject: ['*.js', '*.ts', 'web/scripts/*.mjs', 'bff/scripts/*.mjs'] }, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { attributes: false } }],
      '@typescript-eslint/await-thenable': 'error',
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // Tests read loosely-typed JSON responses and assert on their shape.
    files: ['**/test/**/*.ts', '**/*.test.{ts,tsx}', 'e2e/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    files: ['web/src/**/*.{ts,tsx}'],
    plugins: { 'react-hooks': reactHooks },
    rules: { 'react-hooks/rules-of-hooks': 'error', 'react-hooks/exhaustive-deps': 'warn' },
  },
  webBoundaries,
);

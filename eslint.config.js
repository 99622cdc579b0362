import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import reactHooks from 'eslint-plugin-react-hooks';
import globals from 'globals';
import { readdirSync } from 'node:fs';
import { importX } from 'eslint-plugin-import-x';
import { createTypeScriptImportResolver } from 'eslint-import-resolver-typescript';

// Layer and feature boundaries (docs/decisions/017-boundaries.md). Globs are absolute: the
// rule matches the resolved path of each import against them.
const root = import.meta.dirname;
// One file as a glob (`@(ts)` matches just "ts"): a zone whose `from` is a glob takes only glob exceptions.
const featureFile = (path) => `${root}/bff/src/features/${path}.@(ts)`;
const bffFeatures = ['ai', 'alerts', 'api-keys', 'audit', 'auth', 'billing', 'budgets', 'credits', 'email', 'ledger', 'metering', 'openapi', 'org'];
/**
 * What a BFF feature may import from another feature: its service, and the few files that are
 * its public face by design (each with its reason). Never a repository: rows stay in their feature.
 */
const bffFeaturePublic = [
  `${root}/bff/src/features/*/*.service.ts`,
  // The provider interface other code is written against (the factory picks the implementation).
  featureFile('ai/model-provider'),
  // The gateway interface other code is written against (the factory picks the implementation).
  featureFile('billing/payment-gateway'),
  // Email texts: pure functions of DTOs that a feature queues with email.service's queueEmail.
  featureFile('email/templates'),
  // Receipt number and page: pure, one definition for the receipt page and the receipt email.
  featureFile('billing/receipt'),
  // SQL fragments an owner writes about its own tables (ADR 017 "Fragments"), composed into a
  // statement that must stay one (the ledger's batch read under the org lock, its history and
  // charts): pure RawBuilders, importing only kysely, so the table's name stays in its owner.
  `${root}/bff/src/features/*/*.sql.ts`,
];

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
    // Module resolution for the import-x rules (TypeScript paths and workspace packages).
    plugins: { 'import-x': importX },
    settings: {
      // import-x parses TypeScript dependencies only for these extensions (no-cycle follows them).
      'import-x/extensions': ['.ts', '.tsx', '.js', '.mjs'],
      'import-x/parsers': { '@typescript-eslint/parser': ['.ts', '.tsx'] },
      'import-x/resolver-next': [createTypeScriptImportResolver({ noWarnOnMultipleProjects: true, project: ['bff/tsconfig.json', 'shared/tsconfig.json', 'web/tsconfig.json', 'e2e/tsconfig.json'] })],
    },
  },
  {
    // No import cycles in application code (a cycle is two modules that are really one).
    files: ['bff/src/**/*.ts', 'shared/src/**/*.ts', 'web/src/**/*.{ts,tsx}'],
    rules: { 'import-x/no-cycle': ['error', { ignoreExternal: true }] },
  },
  {
    // BFF layers: routes -> services -> repositories inside a feature; features talk through
    // services; http/, db/ and lib/ are below every feature and never import one.
    files: ['bff/src/**/*.ts'],
    rules: {
      'import-x/no-restricted-paths': [
        'error',
        {
          zones: [
            ...bffFeatures.map((f) => ({
              target: `${root}/bff/src/features/${f}/**`,
              from: `${root}/bff/src/features/*/**`,
              except: [`${root}/bff/src/features/${f}/**`, ...bffFeaturePublic],
              message: `A feature uses another feature through its *.service.ts (or a public interface listed in eslint.config.js), never its repository or internals.`,
            })),
            {
              target: [`${root}/bff/src/http/**`, `${root}/bff/src/lib/**`],
              from: `${root}/bff/src/features/**`,
              message: 'http/, db/ and lib/ sit below the features: they never import one.',
            },
            {
              // db/database.ts composes the features' table types (each feature's *.tables.ts), and nothing else.
              target: `${root}/bff/src/db/**`,
              from: `${root}/bff/src/features/**`,
              except: [`${root}/bff/src/features/*/*.tables.ts`],
              message: 'http/, db/ and lib/ sit below the features: they never import one (db/database.ts only composes their *.tables.ts).',
            },
            {
              // Migrations are frozen in time: they never import app code (Kysely<any> only).
              target: `${root}/bff/src/db/migrations/**`,
              from: [`${root}/bff/src/**`],
              except: [`${root}/bff/src/db/migrations/**`],
              message: 'Migrations are frozen: they import nothing of the app.',
            },
          ],
        },
      ],
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

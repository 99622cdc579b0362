import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ENV_VARIABLES, loadEnv } from '../src/env';

/**
 * Docs checked by a machine (issue 23): what the README and docs/ say about the code, where a test
 * can read both. Each failure names the line to fix.
 */
const root = path.resolve(__dirname, '../..');
const read = (file: string) => readFileSync(path.join(root, file), 'utf8');
const readme = read('README.md');

/** The lines of a `## Title` section of the README, up to the next `## `. */
function section(title: string): string {
  const start = readme.indexOf(`\n## ${title}\n`);
  expect(start, `README.md has a "## ${title}" section`).toBeGreaterThanOrEqual(0);
  const end = readme.indexOf('\n## ', start + 1);
  return readme.slice(start, end === -1 ? undefined : end);
}

/** The configuration table: each row's variables (backticked names in its first cell) and its default cell. */
function configurationRows() {
  return section('Configuration')
    .split('\n')
    .filter((line) => line.startsWith('| `'))
    .map((line) => {
      const [names = '', defaults = ''] = line.slice(1).split(' | ');
      return { line, names: [...names.matchAll(/`([A-Z][A-Z0-9_]*)`/g)].map((m) => m[1]!), defaults };
    });
}

describe('README.md configuration table', () => {
  const rows = configurationRows();
  const documented = rows.flatMap((r) => r.names);

  it('lists every variable of bff/src/env.ts, once', () => {
    expect(ENV_VARIABLES.length).toBeGreaterThan(40);
    expect(ENV_VARIABLES.filter((name) => !documented.includes(name))).toEqual([]);
    expect(documented.filter((name, i) => documented.indexOf(name) !== i)).toEqual([]);
  });

  it('lists no variable that bff/src/env.ts does not read', () => {
    expect(documented.filter((name) => !ENV_VARIABLES.includes(name))).toEqual([]);
  });

  it("shows each variable's default in its row", () => {
    const defaults = loadEnv({}) as unknown as Record<string, unknown>;
    const wrong = ENV_VARIABLES.flatMap((name) => {
      const value = defaults[name];
      const row = rows.find((r) => r.names.includes(name));
      if (value === undefined || !row) return []; // optional (no default), or missing (the test above says so)
      return row.defaults.includes(`\`${String(value)}\``) ? [] : [`${name}: default \`${String(value)}\` not in "${row.defaults}"`];
    });
    expect(wrong).toEqual([]);
  });
});

describe('README.md layout', () => {
  const layout = section('Layout');
  const names = (dir: string, keep: (name: string) => boolean) => readdirSync(path.join(root, dir)).filter(keep);
  const isDir = (dir: string) => (name: string) => statSync(path.join(root, dir, name)).isDirectory();

  it('names every workspace package and top-level folder', () => {
    const folders = names('.', (n) => !n.startsWith('.') && n !== 'node_modules' && isDir('.')(n));
    expect(folders.filter((f) => !layout.includes(`\n${f}/`))).toEqual([]);
  });

  it('names every module of shared/src, every file of bff/src and every BFF feature', () => {
    const shared = names('shared/src', (n) => n.endsWith('.ts'));
    const bff = names('bff/src', (n) => n.endsWith('.ts'));
    const features = names('bff/src/features', isDir('bff/src/features'));
    const missing = [...shared, ...bff, ...features].filter((n) => !new RegExp(`(^|[\\s,(/])${n.replaceAll('.', '\\.')}([\\s,)/]|$)`, 'm').test(layout));
    expect(missing).toEqual([]);
  });

  it('names every page of docs/', () => {
    expect(names('docs', (n) => n.endsWith('.md')).filter((n) => !layout.includes(n.replace(/\.md$/, '')))).toEqual([]);
  });
});

describe('docs/frontend.md', () => {
  it('gives the major versions web/package.json installs', () => {
    const doc = read('docs/frontend.md');
    const pkg = JSON.parse(read('web/package.json')) as { dependencies: Record<string, string> };
    const catalog = read('pnpm-workspace.yaml');
    const version = (name: string) => {
      const v = pkg.dependencies[name]!;
      return v === 'catalog:' ? new RegExp(`^\\s+'?${name}'?: (\\S+)`, 'm').exec(catalog)![1]! : v;
    };
    const named = { React: 'react', 'React Router': 'react-router', 'TanStack Query': '@tanstack/react-query', 'TanStack Table': '@tanstack/react-table', Recharts: 'recharts' };
    const wrong = Object.entries(named).flatMap(([label, name]) => {
      const said = new RegExp(`${label} (\\d+)\\b`).exec(doc)?.[1];
      const major = version(name).split('.')[0];
      return said === major ? [] : [`${label}: docs/frontend.md says ${said ?? 'nothing'}, web/package.json has ${version(name)}`];
    });
    expect(wrong).toEqual([]);
  });
});

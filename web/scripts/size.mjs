// First-load JavaScript of the AI Credits route, gzipped, after `vite build` (docs/frontend.md).
//
// What a first visit to /settings/ai-credits loads before the page can render:
//   - what index.html names: its module script (the entry) and its <link rel="modulepreload">s;
//   - everything those import statically (the browser follows the imports);
//   - the route's lazy chunk (src/app/routes/ai-credits-route.tsx, imported by the router as
//     soon as the URL matches) and its static imports (Vite preloads them alongside).
// Lazy chunks the first screen starts after it has rendered (the sections below the fold, the
// bell's popover, the dialogs, Recharts) are listed apart and are not part of the budget.
//
// Fails when the first load is over the budget (150 KiB; SIZE_BUDGET_KIB overrides it), when
// Recharts is in it, when no lazy chunk holds Recharts (so that check cannot pass vacuously),
// or when the MSW mock worker is in the build.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';

const BUDGET_KIB = Number(process.env.SIZE_BUDGET_KIB ?? 150);
const ROUTE_MODULE = 'src/app/routes/ai-credits-route.tsx';

const dist = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist');
const manifestPath = join(dist, '.vite', 'manifest.json');
if (!existsSync(manifestPath)) {
  console.error(`No ${manifestPath}: run \`pnpm --filter @ai-credits/web build\` first.`);
  process.exit(1);
}
const manifest = JSON.parse(readFileSync(manifestPath, 'utf8'));
const byFile = new Map(Object.entries(manifest).map(([key, chunk]) => [chunk.file, key]));
if (!manifest[ROUTE_MODULE]) throw new Error(`${ROUTE_MODULE} is not a chunk of its own (is the route still lazy?)`);

// What index.html makes the browser fetch: the module script and the modulepreload links.
const html = readFileSync(join(dist, 'index.html'), 'utf8');
const htmlFiles = [
  ...html.matchAll(/<script\b[^>]*\btype="module"[^>]*\bsrc="\/([^"]+)"/g),
  ...html.matchAll(/<link\b[^>]*\brel="modulepreload"[^>]*\bhref="\/([^"]+)"/g),
].map((m) => m[1]);
if (htmlFiles.length === 0) throw new Error('index.html names no module script');

const closure = (keys) => {
  const seen = new Set();
  const visit = (key) => {
    if (seen.has(key)) return;
    const chunk = manifest[key];
    if (!chunk) throw new Error(`manifest has no ${key}`);
    seen.add(key);
    for (const imported of chunk.imports ?? []) visit(imported);
  };
  keys.forEach(visit);
  return seen;
};
const htmlKeys = htmlFiles.map((file) => {
  const key = byFile.get(file);
  if (!key) throw new Error(`index.html names ${file}, which the manifest does not know`);
  return key;
});
const firstLoad = closure([...htmlKeys, ROUTE_MODULE]);
// The route's own chunks (beyond the entry's): their lazy imports are what the page starts after rendering.
const routeOwn = [...closure([ROUTE_MODULE])].filter((key) => !closure(htmlKeys).has(key));

const sizes = (file) => {
  const source = readFileSync(join(dist, file));
  return {
    source,
    gzip: gzipSync(source, { level: 9 }).length,
    brotli: brotliCompressSync(source, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length,
  };
};
const kib = (bytes) => +(bytes / 1024).toFixed(1);

let gzipTotal = 0;
let brotliTotal = 0;
const rows = [];
const rechartsInFirstLoad = [];
for (const key of firstLoad) {
  const file = manifest[key].file;
  const { source, gzip, brotli } = sizes(file);
  gzipTotal += gzip;
  brotliTotal += brotli;
  rows.push({ chunk: file, module: key, gzipKiB: kib(gzip), brotliKiB: kib(brotli) });
  // Recharts ships its own names in the bundle; its module ids name it too.
  if (/recharts/i.test(key) || /recharts-|ResponsiveContainer|CartesianGrid/.test(source.toString('utf8'))) rechartsInFirstLoad.push(file);
}
rows.sort((a, b) => b.gzipKiB - a.gzipKiB);

// The route's lazy imports: what the page starts loading once it has rendered.
const afterPaint = new Set();
const visitLazy = (key) => {
  for (const lazyKey of manifest[key].dynamicImports ?? []) {
    const stack = [lazyKey];
    while (stack.length) {
      const k = stack.pop();
      if (firstLoad.has(k) || afterPaint.has(k)) continue;
      afterPaint.add(k);
      stack.push(...(manifest[k].imports ?? []));
    }
  }
};
for (const key of routeOwn) visitLazy(key);
const lazy = Object.entries(manifest).filter(([key, chunk]) => !firstLoad.has(key) && chunk.file.endsWith('.js'));
const rechartsLazy = lazy.filter(([, chunk]) => /CartesianGrid/.test(readFileSync(join(dist, chunk.file), 'utf8'))).map(([, c]) => c.file);

console.table(rows);
console.log(
  `First-load JS of /settings/ai-credits: ${kib(gzipTotal)} KiB gzipped (budget ${BUDGET_KIB} KiB), ${kib(brotliTotal)} KiB brotli, ${firstLoad.size} chunks.`,
);
const lazySizes = [...afterPaint].map((key) => sizes(manifest[key].file).gzip);
console.log(
  `Lazy chunks in all: ${lazy.length}. The route's own after its first render (sections below the fold, dialogs; Recharts comes from the charts section): ${afterPaint.size}, ${kib(lazySizes.reduce((a, b) => a + b, 0))} KiB gzipped.`,
);
console.log(`Recharts found in: ${rechartsLazy.join(', ') || '(none)'}`);

let failed = false;
if (rechartsInFirstLoad.length > 0) {
  console.error(`FAIL: Recharts is in the first load (${rechartsInFirstLoad.join(', ')}).`);
  failed = true;
} else {
  console.log('OK: Recharts is not in the first-load chunks.');
}
if (rechartsLazy.length === 0) {
  console.error('FAIL: no lazy chunk contains Recharts: the check above would be meaningless.');
  failed = true;
}
// The mock API (MSW) is for `vite --mode mock` and the tests only.
const mockInBuild = [
  ...readdirSync(dist).filter((name) => /mockServiceWorker/i.test(name)),
  ...lazy.concat([...firstLoad].map((key) => [key, manifest[key]])).filter(([, c]) => /mockServiceWorker|setupWorker/.test(readFileSync(join(dist, c.file), 'utf8'))).map(([, c]) => c.file),
];
if (mockInBuild.length > 0) {
  console.error(`FAIL: the MSW mock worker is in the production build (${mockInBuild.join(', ')}).`);
  failed = true;
} else {
  console.log('OK: no MSW mock worker in the build.');
}
if (gzipTotal / 1024 > BUDGET_KIB) {
  console.error(`FAIL: ${kib(gzipTotal)} KiB is over the ${BUDGET_KIB} KiB budget.`);
  failed = true;
}
process.exit(failed ? 1 : 0);

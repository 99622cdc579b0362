// First-load JS of the AI Credits route, gzipped, from the Vite manifest (build.manifest: true).
// First load = the entry chunk + the AI Credits route chunk + everything they import statically.
// Lazy chunks (dynamic imports: other routes, the Recharts charts) are excluded.
// Fails when over the budget (docs/frontend.md) or when Recharts is in the first load.
import { readFileSync, existsSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const BUDGET_KB = Number(process.env.SIZE_BUDGET_KB ?? 230);
const ROUTE_MODULE = 'src/app/routes/ai-credits-route.tsx';

const dist = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist');
const manifestPath = join(dist, '.vite', 'manifest.json');
if (!existsSync(manifestPath)) {
  console.error(`No ${manifestPath}: run \`pnpm --filter @ai-credits/web build\` first.`);
  process.exit(1);
}
const manifest = JSON.parse(readFileSync(manifestPath, 'utf8'));

const entryKey = Object.keys(manifest).find((key) => manifest[key].isEntry);
if (!entryKey) throw new Error('no entry chunk in the manifest');
if (!manifest[ROUTE_MODULE]) throw new Error(`${ROUTE_MODULE} is not a chunk of its own (is the route still lazy?)`);

const firstLoad = new Set();
const visit = (key) => {
  if (firstLoad.has(key)) return;
  const chunk = manifest[key];
  if (!chunk) throw new Error(`manifest has no ${key}`);
  firstLoad.add(key);
  for (const imported of chunk.imports ?? []) visit(imported);
};
visit(entryKey);
visit(ROUTE_MODULE);

let total = 0;
const rows = [];
let rechartsInFirstLoad = [];
for (const key of firstLoad) {
  const file = manifest[key].file;
  const source = readFileSync(join(dist, file));
  const gz = gzipSync(source, { level: 9 }).length;
  total += gz;
  rows.push({ chunk: file, source: key, gzipKB: +(gz / 1024).toFixed(1) });
  // Recharts ships its own names in the bundle; its module ids name it too.
  if (/recharts/i.test(key) || /recharts-|ResponsiveContainer|CartesianGrid/.test(source.toString('utf8'))) rechartsInFirstLoad.push(file);
}
const lazy = Object.entries(manifest).filter(([key]) => !firstLoad.has(key) && manifest[key].file.endsWith('.js'));
const rechartsLazy = lazy.filter(([, chunk]) => /CartesianGrid/.test(readFileSync(join(dist, chunk.file), 'utf8'))).map(([, c]) => c.file);

console.table(rows);
const totalKB = total / 1024;
console.log(`First-load JS of /settings/ai-credits: ${totalKB.toFixed(1)} KB gzipped (budget ${BUDGET_KB} KB), ${firstLoad.size} chunks.`);
console.log(`Lazy chunks: ${lazy.length}; Recharts found in: ${rechartsLazy.join(', ') || '(none)'}`);

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
if (totalKB > BUDGET_KB) {
  console.error(`FAIL: ${totalKB.toFixed(1)} KB is over the ${BUDGET_KB} KB budget.`);
  failed = true;
}
process.exit(failed ? 1 : 0);

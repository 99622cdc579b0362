/**
 * `tsx bench/profile-summary.ts <file.cpuprofile>`: where a V8 CPU profile (node --cpu-prof)
 * spent its time, by package / area and by function (self time), as markdown tables.
 */
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
const profile = JSON.parse(readFileSync(process.argv[2]!, 'utf8')) as { nodes: ProfileNode[]; samples: number[]; timeDeltas: number[] };
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const self = new Map<number, number>();
profile.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));

function area(url: string, fn: string) {
  if (!url) return fn.startsWith('(') ? fn : '(native)';
  const pkg = /node_modules\/\.pnpm\/[^/]+\/node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url)?.[1];
  if (pkg) return pkg;
  if (url.startsWith('node:')) return `node:${url.slice(5).split('/')[0]}`;
  const ours = /\/(bff|shared)\/src\/(.*)$/.exec(url);
  if (ours) return `${ours[1]}/src/${ours[2]!.split('/').slice(0, 2).join('/')}`;
  return url;
}

const areas = new Map<string, number>();
const fns = new Map<string, number>();
let total = 0;
for (const [id, us] of self) {
  const n = byId.get(id)!;
  const a = area(n.callFrame.url, n.callFrame.functionName);
  if (a === '(idle)') continue;
  total += us;
  areas.set(a, (areas.get(a) ?? 0) + us);
  const f = `${n.callFrame.functionName || '(anonymous)'} ${a}:${n.callFrame.lineNumber + 1}`;
  fns.set(f, (fns.get(f) ?? 0) + us);
}
const top = (m: Map<string, number>, k: number) => [...m].sort((a, b) => b[1] - a[1]).slice(0, k);
console.log(`busy ${(total / 1000).toFixed(0)} ms\n\n| area | self | share |\n|---|---|---|`);
for (const [a, us] of top(areas, 15)) console.log(`| ${a} | ${(us / 1000).toFixed(0)} ms | ${((100 * us) / total).toFixed(1)}% |`);
console.log(`\n| function | self | share |\n|---|---|---|`);
for (const [f, us] of top(fns, 15)) console.log(`| ${f} | ${(us / 1000).toFixed(0)} ms | ${((100 * us) / total).toFixed(1)}% |`);

// `pnpm build`: the BFF as plain JavaScript for `node` (production never runs through tsx).
// Our own code and the workspace's @ai-credits/shared (whose exports are .ts sources) are
// bundled; every other package stays an import from node_modules.
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const bff = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const outdir = path.join(bff, 'dist');

await rm(outdir, { recursive: true, force: true });
await build({
  absWorkingDir: bff,
  entryPoints: ['src/server.ts', 'src/seed/seed.command.ts'],
  outdir,
  outbase: 'src',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20.19',
  sourcemap: true,
  logLevel: 'warning',
  plugins: [
    {
      name: 'node-modules-external',
      setup(b) {
        b.onResolve({ filter: /^[^./]/ }, (args) => (args.kind === 'entry-point' || args.path.startsWith('@ai-credits/') ? undefined : { path: args.path, external: true }));
      },
    },
  ],
});

import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import react from '@vitejs/plugin-react';
import { defineConfig, type Plugin } from 'vite';

/**
 * After the build, a brotli (.br) and a gzip (.gz) copy of every compressible asset, at maximum
 * compression, once per build: the BFF serves them as they are (bff/src/http/static-assets.ts),
 * never compressing per request. Hashed names change with their content, so copies never go stale.
 */
function precompress(): Plugin {
  let outDir = '';
  return {
    name: 'precompress',
    apply: 'build',
    configResolved(config) {
      outDir = path.resolve(config.root, config.build.outDir);
    },
    closeBundle() {
      const dir = path.join(outDir, 'assets');
      let before = 0;
      let after = 0;
      for (const name of readdirSync(dir)) {
        const file = path.join(dir, name);
        if (!/\.(js|css|svg|json|map)$/.test(name) || statSync(file).size < 1024) continue;
        const source = readFileSync(file);
        const br = brotliCompressSync(source, { params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: source.length } });
        writeFileSync(`${file}.br`, br);
        writeFileSync(`${file}.gz`, gzipSync(source, { level: 9 }));
        before += source.length;
        after += br.length;
      }
      this.info(`precompressed assets: ${Math.round(before / 1024)} KB -> ${Math.round(after / 1024)} KB brotli`);
    },
  };
}

export default defineConfig(({ command, mode }) => ({
  plugins: [react(), precompress()],
  // public/ holds only MSW's service worker, for `vite --mode mock`: never in a production build.
  publicDir: command === 'build' && mode !== 'mock' ? false : 'public',
  resolve: {
    alias: { '@': fileURLToPath(new URL('./src', import.meta.url)) },
  },
  server: {
    port: 5173,
    // The BFF; `vite --mode mock` answers /api with MSW in the browser instead.
    proxy: { '/api': { target: 'http://localhost:3000', changeOrigin: false } },
  },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // scripts/size.mjs reads the manifest to measure the first-load JS of each route.
    manifest: true,
    sourcemap: false,
  },
}));

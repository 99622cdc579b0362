// Build step: a brotli (.br) and a gzip (.gz) copy next to every compressible file of the build,
// at maximum compression, once per build; the BFF serves them as they are (no compression per
// request). Content-hashed files only change with their name, so the copies never go stale.
// A Vite plugin (not a script after `vite build`), so it follows whatever `--outDir` the build
// was given: the e2e setup builds into a folder of its own.
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import type { Plugin } from 'vite';

const COMPRESSIBLE = /\.(js|mjs|css|html|svg|json|txt|map|ico|webmanifest)$/;

function precompressDir(dir: string) {
  let files = 0;
  let before = 0;
  let afterBr = 0;
  const walk = (folder: string) => {
    for (const name of readdirSync(folder)) {
      const file = path.join(folder, name);
      if (statSync(file).isDirectory()) {
        if (name !== '.vite') walk(file);
        continue;
      }
      if (!COMPRESSIBLE.test(name) || statSync(file).size < 1024) continue;
      const source = readFileSync(file);
      const br = brotliCompressSync(source, { params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: source.length } });
      writeFileSync(`${file}.br`, br);
      writeFileSync(`${file}.gz`, gzipSync(source, { level: 9 }));
      files++;
      before += source.length;
      afterBr += br.length;
    }
  };
  walk(dir);
  return { files, before, afterBr };
}

export function precompress(): Plugin {
  let outDir = '';
  return {
    name: 'ai-credits:precompress',
    apply: 'build',
    configResolved(config) {
      outDir = path.resolve(config.root, config.build.outDir);
    },
    closeBundle: {
      sequential: true,
      handler() {
        const { files, before, afterBr } = precompressDir(outDir);
        this.info(`precompressed ${files} files: ${(before / 1024).toFixed(0)} KB -> ${(afterBr / 1024).toFixed(0)} KB brotli`);
      },
    },
  };
}

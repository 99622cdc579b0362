// After `vite build`: write a brotli (.br) and a gzip (.gz) copy next to every compressible
// asset, at maximum compression, once per build; the BFF serves them as they are (no
// compression per request). Content-hashed files only change with their name, so the copies
// never go stale.
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';

const dist = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist');
const COMPRESSIBLE = /\.(js|mjs|css|html|svg|json|txt|map|ico|webmanifest)$/;

let files = 0;
let before = 0;
let afterBr = 0;
const walk = (dir) => {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) {
      if (name !== '.vite') walk(path);
      continue;
    }
    if (!COMPRESSIBLE.test(name) || statSync(path).size < 1024) continue;
    const source = readFileSync(path);
    const br = brotliCompressSync(source, { params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: source.length } });
    writeFileSync(`${path}.br`, br);
    writeFileSync(`${path}.gz`, gzipSync(source, { level: 9 }));
    files++;
    before += source.length;
    afterBr += br.length;
  }
};
walk(dist);
console.log(`precompressed ${files} files: ${(before / 1024).toFixed(0)} KB -> ${(afterBr / 1024).toFixed(0)} KB brotli`);

/**
 * npm run build: the server as one bundled file, dist/main.js, which is what `npm start` runs.
 *
 * Why a bundle: loading the sources through tsx and resolving several hundred small module files took about twice
 * as long as loading one file (docs/benchmarks.md, start-up), and a restarted bot should answer again at once.
 * better-sqlite3 stays outside (a native addon, loaded from node_modules), as do optional modules that are not
 * installed here. The web page's files are copied beside the bundle, where the web channel looks for them.
 */
import { cpSync, mkdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { buildSync } from 'esbuild';

const ROOT = resolve(__dirname, '../..');
const OUT = join(ROOT, 'dist');

export function build(): { file: string; bytes: number } {
  mkdirSync(OUT, { recursive: true });
  const file = join(OUT, 'main.js');
  buildSync({
    entryPoints: [join(ROOT, 'src/main.ts')],
    outfile: file,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    // Native addon, and optional modules other packages try to load and do without (pg-native, restify's dtrace).
    external: ['better-sqlite3', 'pg-native', 'dtrace-provider'],
    // No keepNames: its run-time helper renames every closure as it is created, ~5% of a turn's CPU (profiled).
    logLevel: 'error',
    // require.resolve('adaptivecards/package.json') is meant to run at run time, from node_modules.
    logOverride: { 'require-resolve-not-external': 'silent' },
  });
  cpSync(join(ROOT, 'src/channels/web/public'), join(OUT, 'public'), { recursive: true });
  return { file, bytes: statSync(file).size };
}

if (require.main === module) {
  const t0 = Date.now();
  const { file, bytes } = build();
  process.stdout.write(`built ${file} (${(bytes / 1048576).toFixed(1)} MB) in ${Date.now() - t0} ms\n`);
}

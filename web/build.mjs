// Builds the dashboard into one folder: index.html, app.js, app.css, favicon.svg.
// Called by CMake at build time (bannin/web/CMakeLists part of bannin/CMakeLists.txt):
//   node web/build.mjs --outdir BUILD/web/dist
// Offline: esbuild and uPlot come from web/node_modules (npm ci, tools/setup.sh).
import {build} from 'esbuild';
import {copyFileSync, mkdirSync, rmSync} from 'node:fs';
import {dirname, join} from 'node:path';
import {fileURLToPath} from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const at = args.indexOf('--outdir');
const outdir = at >= 0 ? args[at + 1] : join(here, 'dist');

rmSync(outdir, {recursive: true, force: true});
mkdirSync(outdir, {recursive: true});
await build({
  entryPoints: {app: join(here, 'src/main.js')},
  bundle: true,
  minify: true,
  format: 'esm',
  target: ['chrome100', 'firefox100', 'safari15'],
  outdir,
  loader: {'.json': 'json'},
  legalComments: 'eof',
  logLevel: 'warning',
});
copyFileSync(join(here, 'src/index.html'), join(outdir, 'index.html'));
copyFileSync(join(here, 'src/favicon.svg'), join(outdir, 'favicon.svg'));

/**
 * The CLI as a few bundled files in dist/cli/, so that a command starts by reading a handful of files instead of
 * about 250: `potluck user list` loads 113 files of drizzle-orm and 95 of zod besides Potluck's own, and resolving,
 * reading and compiling each one is most of its start-up. scripts/potluck.mjs runs the bundle only while it is
 * exactly what the sources would give: dist/cli/manifest.json lists every file that went into it with its size and
 * modification time, and a single changed, moved or missing file sends the command back to the sources (which always
 * work). `npm run build` and `potluck serve` build it (next to the site); nothing else needs it.
 *
 * The packages' own files (about two thirds of the inputs) are checked by the one file npm rewrites whenever it
 * changes what is installed, node_modules/.package-lock.json: a start stats about 260 files instead of about 800.
 * An installed package's file edited by hand does not end the bundle (`npm run build` rebuilds it); without that
 * file (another package manager) every package file is checked as before.
 *
 * Only Potluck's own modules and pure ES module packages go in (scripts/lib/bundledPackages.mjs, the same list the
 * built site bundles). Packages with native code or files of their own
 * (better-sqlite3, sharp, argon2, ...) stay where npm put them and load as before. A bundled module's
 * `import.meta.url` and `import.meta.dirname` still name its source file and folder, so the worker threads and data
 * files found beside a module (the feed parser's worker, the migrations folder) are found from the bundle too.
 */
import fs from 'node:fs';
import path from 'node:path';
import { isBundledPackage } from './bundledPackages.mjs';

/** Besides the inputs esbuild reports: a change to these changes what a build would give. */
const ALSO_WATCHED = ['package.json', 'package-lock.json', 'scripts/lib/cliBundle.ts', 'scripts/lib/bundledPackages.mjs'];
const MANIFEST = 'manifest.json';
const ENTRY = 'potluck.mjs';
/** Chunks of an earlier build stay this long, for a server started from it that has not loaded all of them yet. */
const OLD_CHUNK_MS = 24 * 60 * 60 * 1000;

interface Manifest {
  /** The Node version that built it (a different Node may resolve differently). */
  node: string;
  /** [path relative to the project root, size in bytes, modification time in ms] of every input. */
  inputs: [string, number, number][];
  /**
   * What a start checks, in the same form: the inputs outside node_modules, and for the files of a node_modules
   * folder npm keeps a .package-lock.json in, that file instead. Absent (an older bundle): every input.
   */
  checked?: [string, number, number][];
}

const NODE_MODULES = 'node_modules/';
/** npm's record of what is in a node_modules folder, rewritten by every install, update or removal there. */
const HIDDEN_LOCKFILE = '.package-lock.json';

/** The folder of the bundle in a project. */
export function cliBundleDir(root: string): string {
  return path.join(root, 'dist', 'cli');
}

/**
 * The bundle's entry file when every input is as it was when it was built; null when there is no bundle or any
 * input has changed (then the sources run). Costs one `stat` per checked file, about 260 of them: under 1 ms.
 */
export function freshCliBundle(root: string): string | null {
  const dir = cliBundleDir(root);
  let manifest: Manifest;
  try {
    manifest = JSON.parse(fs.readFileSync(path.join(dir, MANIFEST), 'utf8')) as Manifest;
  } catch {
    return null;
  }
  if (manifest.node !== process.version || !Array.isArray(manifest.inputs) || manifest.inputs.length === 0) return null;
  if (!unchangedFiles(root, Array.isArray(manifest.checked) ? manifest.checked : manifest.inputs)) return null;
  const entry = path.join(dir, ENTRY);
  return fs.existsSync(entry) ? entry : null;
}

/**
 * Whether every [path from `root`, size (-1 for a folder), modification time] is as listed: the same kind, size and
 * time, none gone. Also the site build's check (scripts/cli/build.ts).
 */
export function unchangedFiles(root: string, entries: readonly (readonly [string, number, number])[]): boolean {
  // Joined by hand: path.join's normalising, 800 times, would cost more than the stats.
  const prefix = root.endsWith(path.sep) ? root : root + path.sep;
  for (const [rel, size, mtimeMs] of entries) {
    const stat = fs.statSync(prefix + rel, { throwIfNoEntry: false });
    if (!stat || stat.mtimeMs !== mtimeMs || (size < 0) !== stat.isDirectory() || (size >= 0 && stat.size !== size)) return false;
  }
  return true;
}

/**
 * The entries a start checks (Manifest.checked): each input outside node_modules, and in place of the files under a
 * node_modules folder, that folder's npm lockfile when it has one (the outermost node_modules of the path: npm
 * keeps one for the whole tree below it, nested packages too).
 */
export function checkedEntries(root: string, inputs: readonly [string, number, number][]): [string, number, number][] {
  const checked = new Map<string, [string, number, number]>();
  for (const input of inputs) {
    // Where the path's first node_modules/ segment starts, or -1.
    const at = `/${input[0]}`.indexOf(`/${NODE_MODULES}`);
    if (at >= 0) {
      const lockfile = input[0].slice(0, at + NODE_MODULES.length) + HIDDEN_LOCKFILE;
      if (checked.has(lockfile)) continue;
      const stat = fs.statSync(path.join(root, lockfile), { throwIfNoEntry: false });
      if (stat?.isFile()) {
        checked.set(lockfile, [lockfile, stat.size, stat.mtimeMs]);
        continue;
      }
    }
    checked.set(input[0], input);
  }
  return [...checked.values()];
}

/** `import.meta.url` and `.dirname` of the source file at `rel` (from the root), as seen from a file in dist/cli/. */
function sourceLocation(source: string, rel: string): string {
  const relDir = path.posix.dirname(rel);
  return source
    .replaceAll('import.meta.url', `new URL(${JSON.stringify(`../../${rel}`)}, import.meta.url).href`)
    .replaceAll('import.meta.dirname', `(import.meta.dirname.slice(0, -"dist/cli".length) + ${JSON.stringify(relDir)})`)
    .replaceAll('import.meta.filename', `(import.meta.dirname.slice(0, -"dist/cli".length) + ${JSON.stringify(rel)})`);
}

/**
 * Builds the bundle of scripts/potluck.ts and the commands it loads into dist/cli/. New files are written beside the
 * old ones (chunk names carry a hash of their content), the entry is replaced by a rename and the manifest last, so
 * a command starting meanwhile runs either the sources or a complete bundle, and a server running from the previous
 * bundle can still load its chunks.
 */
export async function buildCliBundle(root: string): Promise<{ files: number; inputs: number }> {
  const esbuild = await import('esbuild');
  const dir = cliBundleDir(root);
  fs.mkdirSync(path.dirname(dir), { recursive: true });
  const staging = fs.mkdtempSync(path.join(path.dirname(dir), '.cli-'));
  try {
    const result = await esbuild.build({
      absWorkingDir: root,
      entryPoints: { potluck: 'scripts/potluck.ts' },
      outdir: staging,
      outExtension: { '.js': '.mjs' },
      chunkNames: 'chunk-[hash]',
      bundle: true,
      splitting: true,
      format: 'esm',
      platform: 'node',
      target: 'node24',
      metafile: true,
      logLevel: 'silent',
      legalComments: 'none',
      plugins: [
        {
          name: 'potluck-cli',
          setup(build) {
            // Every bare import but the bundled packages stays an import of the installed package (a package's own
            // `#name` imports resolve within it).
            build.onResolve({ filter: /^[^./#]/ }, (args) => (isBundledPackage(args.path) ? undefined : { path: args.path, external: true }));
            // zod's 64 message locales: Potluck speaks English only (zod's default, which it sets itself) and never
            // reads z.locales, so the bundle carries that one; the rest would be most of zod's code to load.
            build.onLoad({ filter: /[\\/]node_modules[\\/]zod[\\/]v4[\\/]locales[\\/]index\.js$/ }, () => ({
              contents: 'export { default as en } from "./en.js";\n',
              loader: 'js',
              resolveDir: path.join(root, 'node_modules', 'zod', 'v4', 'locales'),
            }));
            // Potluck's own modules keep the location of their source file.
            build.onLoad({ filter: /\.ts$/ }, (args) => {
              const rel = path.relative(root, args.path).split(path.sep).join('/');
              if (rel.startsWith('..') || rel.includes('node_modules/')) return undefined;
              return { contents: sourceLocation(fs.readFileSync(args.path, 'utf8'), rel), loader: 'ts' };
            });
          },
        },
      ],
    });
    const inputs = new Set([...Object.keys(result.metafile.inputs), ...ALSO_WATCHED]);
    const listed = [...inputs].sort().map((rel): [string, number, number] => {
      const stat = fs.statSync(path.join(root, rel));
      return [rel, stat.size, stat.mtimeMs];
    });
    const manifest: Manifest = { node: process.version, inputs: listed, checked: checkedEntries(root, listed) };
    fs.mkdirSync(dir, { recursive: true });
    const written = fs.readdirSync(staging);
    // Chunks first (new names, or the same name for the same content), then the entry that imports them.
    for (const name of written.filter((n) => n !== ENTRY)) fs.renameSync(path.join(staging, name), path.join(dir, name));
    fs.renameSync(path.join(staging, ENTRY), path.join(dir, ENTRY));
    const manifestTemp = path.join(dir, `.${MANIFEST}.${process.pid}`);
    fs.writeFileSync(manifestTemp, JSON.stringify(manifest));
    fs.renameSync(manifestTemp, path.join(dir, MANIFEST));
    // Chunks no build has written for a day are no longer loaded by anything.
    const now = Date.now();
    for (const name of fs.readdirSync(dir)) {
      if (written.includes(name) || name === MANIFEST) continue;
      const file = path.join(dir, name);
      if (now - fs.statSync(file).mtimeMs > OLD_CHUNK_MS) fs.rmSync(file, { force: true });
    }
    return { files: written.length, inputs: manifest.inputs.length };
  } finally {
    fs.rmSync(staging, { recursive: true, force: true });
  }
}

if (import.meta.main) {
  // `node scripts/lib/cliBundle.ts` (npm run build, potluck serve): builds the bundle of the project it is in.
  const root = path.resolve(import.meta.dirname, '..', '..');
  const started = performance.now();
  const { files, inputs } = await buildCliBundle(root);
  console.log(`Built the command-line bundle: ${files} files from ${inputs} sources in ${Math.round(performance.now() - started)} ms.`);
}

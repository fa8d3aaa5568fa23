/**
 * A shorter path through Node's module resolution for drizzle-orm and zod. For every module file it loads, Node looks
 * up the nearest package.json to learn what `.js` means there, and decodes that file's `exports` map again each time.
 * drizzle-orm's package.json is 179 KB and a command loads over a hundred of its files, so that alone took about a
 * third of a second at every start of the CLI and the server; zod's 95 files (64 of them locales) took about 60 ms
 * more. Imports between such a package's own files are relative (`./sql/sql.js`): no `exports` map applies to them,
 * they resolve by URL alone, and every `.js` file there is an ES module (drizzle-orm has one package.json, zod's
 * nested ones all say `"type": "module"`; tests/unit/cli/moduleResolution.test.ts checks this against Node's own
 * answers). This hook answers those imports directly and hands everything else to Node unchanged.
 *
 * Bare imports of them (`import { eq } from 'drizzle-orm'`) do go through the `exports` map, and Node parses that
 * map again for each one: the server's modules import drizzle-orm 56 times before the first request, 5 ms each.
 * Node's answer depends only on the specifier, the conditions and which `node_modules/<name>` folder the lookup
 * from the importing file's folder reaches first, so the hook keeps Node's answer under those and asks Node once.
 */
import fs from 'node:fs';
import { registerHooks, type ResolveFnOutput, type ResolveHookContext } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The packages whose own relative imports are answered here. */
export const FAST_PACKAGES = ['drizzle-orm', 'zod'] as const;
const NODE_MODULES = '/node_modules/';

/** The URL and format of a relative import between one of those packages' own ES module files; null for anything else. */
export function resolveWithinPackage(specifier: string, parentURL: string | undefined): { url: string; format: 'module' } | null {
  if (!parentURL?.startsWith('file:') || !(specifier.startsWith('./') || specifier.startsWith('../'))) return null;
  if (!specifier.endsWith('.js') && !specifier.endsWith('.mjs')) return null;
  // Only from an ES module of the package (its .cjs twins require .cjs files, which Node resolves as before).
  if (!parentURL.endsWith('.js') && !parentURL.endsWith('.mjs')) return null;
  // The package the parent file is in: the name after its last node_modules/ (a package nested in one has its own).
  const at = parentURL.lastIndexOf(NODE_MODULES);
  if (at < 0) return null;
  const name = FAST_PACKAGES.find((n) => parentURL.startsWith(`${n}/`, at + NODE_MODULES.length));
  if (!name) return null;
  const root = parentURL.slice(0, at + NODE_MODULES.length + name.length + 1);
  const url = new URL(specifier, parentURL);
  // Still inside the package, and no query or encoded characters that Node would treat differently.
  if (!url.href.startsWith(root) || url.search || url.hash || url.pathname.includes('%')) return null;
  return { url: url.href, format: 'module' };
}

/** The package a bare specifier names (`drizzle-orm/sqlite-core` -> `drizzle-orm`) when it is one of those; else null. */
function fastPackageOf(specifier: string): string | null {
  for (const name of FAST_PACKAGES) if (specifier === name || specifier.startsWith(`${name}/`)) return name;
  return null;
}

const lookups = new Map<string, string | null>();

/**
 * The `node_modules/<name>` folder Node's lookup reaches first from `dir` upwards (it takes the first such folder that
 * exists), or null when there is none.
 */
export function packageFolderFrom(dir: string, name: string): string | null {
  const key = `${dir}\0${name}`;
  const known = lookups.get(key);
  if (known !== undefined) return known;
  const candidate = path.join(dir, 'node_modules', name);
  const parent = path.dirname(dir);
  let found: string | null;
  if (path.basename(dir) !== 'node_modules' && fs.statSync(candidate, { throwIfNoEntry: false })?.isDirectory()) found = candidate;
  else found = parent === dir ? null : packageFolderFrom(parent, name);
  lookups.set(key, found);
  return found;
}

/**
 * What a bare import of drizzle-orm or zod is kept under: the specifier, the conditions and import attributes, and
 * the folder it resolves in; null when the hook leaves it to Node every time (another name, or no file parent).
 */
export function bareImportKey(specifier: string, context: Pick<ResolveHookContext, 'parentURL' | 'conditions' | 'importAttributes'>): string | null {
  const name = fastPackageOf(specifier);
  if (!name || !context.parentURL?.startsWith('file:')) return null;
  let dir: string;
  try {
    dir = path.dirname(fileURLToPath(context.parentURL));
  } catch {
    return null;
  }
  const folder = packageFolderFrom(dir, name);
  if (!folder) return null;
  return [specifier, folder, (context.conditions ?? []).join(','), JSON.stringify(context.importAttributes ?? {})].join('\0');
}

let registered = false;

/** Installs the hook for this process (once). */
export function registerFastResolution(): void {
  if (registered) return;
  registered = true;
  const answers = new Map<string, ResolveFnOutput>();
  registerHooks({
    resolve(specifier, context, nextResolve) {
      const resolved = resolveWithinPackage(specifier, context.parentURL);
      if (resolved) return { ...resolved, shortCircuit: true };
      const key = bareImportKey(specifier, context);
      if (key === null) return nextResolve(specifier, context);
      const known = answers.get(key);
      if (known) return { ...known, shortCircuit: true };
      const answer = nextResolve(specifier, context);
      answers.set(key, answer);
      return answer;
    },
  });
}

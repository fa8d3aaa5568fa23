/**
 * A shorter path through Node's module resolution for drizzle-orm and zod. For every module file it loads, Node looks
 * up the nearest package.json to learn what `.js` means there, and decodes that file's `exports` map again each time.
 * drizzle-orm's package.json is 179 KB and a command loads over a hundred of its files, so that alone took about a
 * third of a second at every start of the CLI and the server; zod's 95 files (64 of them locales) took about 60 ms
 * more. Imports between such a package's own files are relative (`./sql/sql.js`): no `exports` map applies to them,
 * they resolve by URL alone, and every `.js` file there is an ES module (drizzle-orm has one package.json, zod's
 * nested ones all say `"type": "module"`; tests/unit/cli/moduleResolution.test.ts checks this against Node's own
 * answers). This hook answers those imports directly and hands everything else to Node unchanged.
 */
import { registerHooks } from 'node:module';

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

let registered = false;

/** Installs the hook for this process (once). */
export function registerFastResolution(): void {
  if (registered) return;
  registered = true;
  registerHooks({
    resolve(specifier, context, nextResolve) {
      const resolved = resolveWithinPackage(specifier, context.parentURL);
      return resolved ? { ...resolved, shortCircuit: true } : nextResolve(specifier, context);
    },
  });
}

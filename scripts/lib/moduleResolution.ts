/**
 * A shorter path through Node's module resolution for drizzle-orm. For every module file it loads, Node looks up the
 * nearest package.json to learn what `.js` means there, and decodes that file's `exports` map again each time.
 * drizzle-orm's package.json is 179 KB and a command loads over a hundred of its files, so that alone took about a
 * third of a second at every start of the CLI and the server. Imports between drizzle-orm's own files are relative
 * (`./sql/sql.js`): no `exports` map applies to them, they resolve by URL alone, and every file there takes its
 * format from the one package.json (`"type": "module"`; tests/unit/cli/moduleResolution.test.ts checks this against
 * Node's own answers). This hook answers those imports directly and hands everything else to Node unchanged.
 */
import { registerHooks } from 'node:module';

const PACKAGE = '/node_modules/drizzle-orm/';

/** The URL and format of a relative import between drizzle-orm's own ES module files; null for anything else. */
export function resolveWithinPackage(specifier: string, parentURL: string | undefined): { url: string; format: 'module' } | null {
  if (!parentURL?.startsWith('file:') || !(specifier.startsWith('./') || specifier.startsWith('../'))) return null;
  if (!specifier.endsWith('.js') && !specifier.endsWith('.mjs')) return null;
  const at = parentURL.lastIndexOf(PACKAGE);
  if (at < 0) return null;
  const root = parentURL.slice(0, at + PACKAGE.length);
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

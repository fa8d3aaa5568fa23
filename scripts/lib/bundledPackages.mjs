// The packages bundled into the built site (astro.config.mjs, vite's ssr.noExternal) and into the CLI's bundle
// (scripts/lib/cliBundle.ts) instead of being loaded file by file from node_modules at every start. Each is a pure
// ES module package that reads no files of its own and is many small files: drizzle-orm alone is 113 files, zod 95,
// and unified's HTML tree tools one module per function. Packages with native code or files of their own
// (better-sqlite3, sharp, argon2, ...) never go in.

/** @type {(string | RegExp)[]} */
export const BUNDLED_PACKAGES = [
  'drizzle-orm',
  'zod',
  /^@oslojs\//,
  // The HTML tree tools the sanitizer and renderers use.
  /^(hast|mdast|unist)-util-/,
  /^(vfile|vfile-location|vfile-message|hastscript|unified|rehype-parse|trough|devlop|bail|is-plain-obj|zwitch|ccount)$/,
  /^(property-information|stringify-entities|comma-separated-tokens|space-separated-tokens|web-namespaces)$/,
  /^(html-void-elements|character-entities-legacy|character-entities-html4|parse5|entities)$/,
];

/** The package a bare import names (`drizzle-orm/sqlite-core` -> `drizzle-orm`, `@oslojs/crypto/sha2` -> `@oslojs/crypto`). */
export function packageName(specifier) {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

/** Whether a bare import is of a bundled package. */
export function isBundledPackage(specifier) {
  const name = packageName(specifier);
  return BUNDLED_PACKAGES.some((p) => (typeof p === 'string' ? p === name : p.test(name)));
}

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
  // unified's Markdown and HTML tools (the renderer, the sanitizer, the feed and page writers): one module per function.
  /^(unified|rehype|remark|micromark|mdast|hast|hastscript|unist|vfile|estree-util)(-|$)/,
  // And the small packages they are built from.
  /^(trough|devlop|bail|is-plain-obj|zwitch|ccount|longest-streak|markdown-table|trim-lines|github-slugger)$/,
  /^(property-information|stringify-entities|comma-separated-tokens|space-separated-tokens|web-namespaces)$/,
  /^(html-void-elements|character-entities|character-entities-legacy|character-entities-html4|character-reference-invalid)$/,
  /^(decode-named-character-reference|parse-entities|is-decimal|is-hexadecimal|is-alphanumerical|is-alphabetical)$/,
  /^(parse5|entities)$/,
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

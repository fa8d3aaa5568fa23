#!/usr/bin/env -S node --max-semi-space-size=4
// The potluck command (package.json "bin", `npm start`, `npm run potluck`). Plain JavaScript, so that Node has no
// types to strip before the compile cache is on: with it on first, every TypeScript file after it (scripts/potluck.ts
// and everything a command loads) comes compiled from V8's on-disk code cache, types already stripped, and Node never
// loads its type stripper at all. The cache is Node's default folder (node-compile-cache in the OS temp folder),
// which works for a read-only install; NODE_COMPILE_CACHE chooses another, NODE_DISABLE_COMPILE_CACHE=1 turns it off.
// Deleting it is always safe.
import module from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

module.enableCompileCache?.();
// The bundled CLI when it is exactly what the sources would give (scripts/lib/cliBundle.ts), else the sources.
const { freshCliBundle } = await import('./lib/cliBundle.ts');
const bundle = process.env.POTLUCK_CLI_BUNDLE === 'off' ? null : freshCliBundle(path.resolve(import.meta.dirname, '..'));
// Before the first import of zod or drizzle-orm by the sources: their own imports resolve by URL
// (scripts/lib/moduleResolution.ts). The bundle, and the built site that serve, site and export load, carry both
// packages inside them, so there every import would only pass through the hook on its way to Node's resolution.
if (!bundle) {
  const { registerFastResolution } = await import('./lib/moduleResolution.ts');
  registerFastResolution();
}
const { runFromShell } = await import(bundle ? pathToFileURL(bundle).href : './potluck.ts');
await runFromShell();

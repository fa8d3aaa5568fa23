// @ts-check
import { defineConfig } from 'astro/config';
import node from '@astrojs/node';
import mdx from '@astrojs/mdx';
import { BUNDLED_PACKAGES } from './scripts/lib/bundledPackages.mjs';

// Uploads (images, attachments) and archive imports arrive as multipart forms through Actions.
const MAX_FORM_BYTES = 64 * 1024 * 1024;

export default defineConfig({
  output: 'server',
  // Middleware mode: scripts/cli/serve.ts owns the HTTP server and serves the client files from memory
  // (src/server/http/siteListener.ts).
  adapter: node({ mode: 'middleware' }),
  integrations: [mdx()],
  // The site's public URL is runtime configuration (POTLUCK_SITE_URL), not build configuration.
  server: { port: 4321, host: 'localhost' },
  security: {
    // Potluck's middleware checks the origin of every unsafe request, whatever its content type (see src/middleware.ts).
    checkOrigin: false,
    actionBodySizeLimit: MAX_FORM_BYTES,
  },
  build: {
    // Stylesheets are files, never inline <style>, so the CSP can say style-src 'self'.
    inlineStylesheets: 'never',
  },
  vite: {
    build: { assetsInlineLimit: 0 },
    ssr: {
      external: ['better-sqlite3', 'sharp', '@node-rs/argon2'],
      // Pure ES module packages of many files each (scripts/lib/bundledPackages.mjs), bundled into the server's
      // chunks: the server, `potluck site` and `potluck export` then load a few chunks instead of over 200 files of
      // these at every start.
      noExternal: BUNDLED_PACKAGES,
    },
  },
  devToolbar: { enabled: false },
});

import { defineConfig } from 'drizzle-kit';

// Run from the project root: npx drizzle-kit generate --config drizzle/drizzle.config.ts
export default defineConfig({
  dialect: 'sqlite',
  schema: './src/server/db/schema.ts',
  out: './drizzle',
});

// Run from the project root: npx drizzle-kit generate --config drizzle/drizzle.pg.config.ts (PostgreSQL twin of drizzle.config.ts)
import { defineConfig } from 'drizzle-kit';
export default defineConfig({ dialect: 'postgresql', schema: './src/server/db/schema.pg.ts', out: './drizzle/pg' });

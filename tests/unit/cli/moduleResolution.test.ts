// The CLI's shortcut through module resolution gives the same answer Node gives for drizzle-orm's and zod's own
// imports: the same file, which exists and is no symlink, as an ES module because every package.json in the package
// says so.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { FAST_PACKAGES, resolveWithinPackage } from '../../../scripts/lib/moduleResolution.ts';
import { loadConfig } from '../../../src/server/config.ts';
import { createAppContext } from '../../../src/server/context.ts';
import { runCliProcess } from '../../helpers/cli.ts';
import { makeUser } from '../../helpers/factories.ts';
import { tempDataDir } from '../../helpers/server.ts';

const root = path.resolve(import.meta.dirname, '..', '..', '..');
const drizzle = path.join(root, 'node_modules', 'drizzle-orm');

function esmFiles(dir: string): string[] {
  return (fs.readdirSync(dir, { recursive: true, encoding: 'utf8' }) as string[])
    .filter((f) => f.endsWith('.js') || f.endsWith('.mjs'))
    .map((f) => path.join(dir, f));
}

describe('resolveWithinPackage', () => {
  it.each(FAST_PACKAGES)('answers every relative import between %s files with the file Node would load, as an ES module', (name) => {
    const dir = path.join(root, 'node_modules', name);
    // Node takes a file's format from its nearest package.json: every one inside the package must say "module".
    const manifests = (fs.readdirSync(dir, { recursive: true, encoding: 'utf8' }) as string[]).filter((f) => path.basename(f) === 'package.json');
    expect(manifests).toContain('package.json');
    for (const manifest of manifests) {
      expect((JSON.parse(fs.readFileSync(path.join(dir, manifest), 'utf8')) as { type?: string }).type, manifest).toBe('module');
    }
    if (name === 'drizzle-orm') expect(manifests).toEqual(['package.json']);
    let checked = 0;
    for (const file of esmFiles(dir)) {
      const parent = pathToFileURL(file).href;
      const source = fs.readFileSync(file, 'utf8');
      for (const match of source.matchAll(/(?:from|import)\s*\(?\s*["'](\.{1,2}\/[^"']+)["']/g)) {
        const resolved = resolveWithinPackage(match[1], parent);
        expect(resolved, `${match[1]} from ${file}`).not.toBeNull();
        const target = fileURLToPath(resolved!.url);
        expect(resolved!.url).toBe(new URL(match[1], parent).href);
        expect(fs.existsSync(target), target).toBe(true);
        expect(fs.realpathSync(target)).toBe(target);
        expect(resolved!.format).toBe('module');
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(name === 'drizzle-orm' ? 500 : 250);
  });

  it('leaves everything else to Node: bare names, other packages, the project, leaving the package, queries', () => {
    const inside = pathToFileURL(path.join(drizzle, 'sql', 'sql.js')).href;
    expect(resolveWithinPackage('drizzle-orm', inside)).toBeNull();
    expect(resolveWithinPackage('node:fs', inside)).toBeNull();
    expect(resolveWithinPackage('./x.cjs', inside)).toBeNull();
    expect(resolveWithinPackage('./x.json', inside)).toBeNull();
    expect(resolveWithinPackage('../../zod/index.js', inside)).toBeNull();
    expect(resolveWithinPackage('./sql.js?x=1', inside)).toBeNull();
    expect(resolveWithinPackage('./a%2Fb.js', inside)).toBeNull();
    expect(resolveWithinPackage('./errors.ts', pathToFileURL(path.join(root, 'src', 'core', 'x.ts')).href)).toBeNull();
    expect(resolveWithinPackage('./index.js', pathToFileURL(path.join(root, 'node_modules', 'astro', 'dist', 'x.js')).href)).toBeNull();
    // A package nested inside one of them is another package; a CommonJS file's requires are Node's.
    expect(resolveWithinPackage('./b.js', pathToFileURL(path.join(drizzle, 'node_modules', 'other', 'a.js')).href)).toBeNull();
    expect(resolveWithinPackage('./b.js', pathToFileURL(path.join(drizzle, 'sql', 'sql.cjs')).href)).toBeNull();
    const zod = pathToFileURL(path.join(root, 'node_modules', 'zod', 'v4', 'classic', 'external.js')).href;
    expect(resolveWithinPackage('../locales/index.js', zod)).toEqual({ url: new URL('../locales/index.js', zod).href, format: 'module' });
    expect(resolveWithinPackage('../../../drizzle-orm/index.js', zod)).toBeNull();
    expect(resolveWithinPackage('./sql.js', undefined)).toBeNull();
  });

  it('the CLI, which installs it, reads the database through drizzle as before', async () => {
    const dataDir = tempDataDir();
    const app = createAppContext(loadConfig({ POTLUCK_DATA: dataDir }), { migrate: true });
    await makeUser(app, { handle: 'maya' });
    app.db.$client.close();
    const result = await runCliProcess({ url: 'http://127.0.0.1:4321', dataDir }, ['user', 'list']);
    fs.rmSync(dataDir, { recursive: true, force: true });
    expect(result.err).toBe('');
    expect(result.code).toBe(0);
    expect(result.out).toContain('maya');
  });
});

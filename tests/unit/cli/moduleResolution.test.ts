// The CLI's shortcut through module resolution gives the same answer Node gives for drizzle-orm's and zod's own
// imports: the same file, which exists and is no symlink, as an ES module because every package.json in the package
// says so.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import os from 'node:os';
import { FAST_PACKAGES, bareImportKey, packageFolderFrom, resolveWithinPackage } from '../../../scripts/lib/moduleResolution.ts';
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

  it('keeps a bare import of drizzle-orm or zod under the folder Node finds it in, its conditions and attributes', () => {
    const src = (file: string) => pathToFileURL(path.join(root, 'src', file)).href;
    const context = (parentURL: string, conditions = ['node', 'import']) => ({ parentURL, conditions, importAttributes: {} });
    // Two files of the project in different folders: one answer.
    const a = bareImportKey('drizzle-orm', context(src('server/db/index.ts')));
    expect(a).not.toBeNull();
    expect(bareImportKey('drizzle-orm', context(src('commands/userLister.ts')))).toBe(a);
    expect(bareImportKey('drizzle-orm/sqlite-core', context(src('server/db/schema.ts')))).not.toBe(a);
    expect(bareImportKey('drizzle-orm', context(src('server/db/index.ts'), ['node', 'require']))).not.toBe(a);
    expect(bareImportKey('zod', context(src('core/accounts.ts')))).toContain(path.join('node_modules', 'zod'));
    // Other names, and no parent file: left to Node every time.
    expect(bareImportKey('drizzle-orm-extra', context(src('x.ts')))).toBeNull();
    expect(bareImportKey('astro', context(src('x.ts')))).toBeNull();
    expect(bareImportKey('drizzle-orm', { parentURL: undefined, conditions: [], importAttributes: {} })).toBeNull();

    // A folder with its own node_modules/drizzle-orm resolves there, and its subfolders with it.
    const other = fs.mkdtempSync(path.join(os.tmpdir(), 'potluck-resolve-'));
    try {
      fs.mkdirSync(path.join(other, 'node_modules', 'drizzle-orm'), { recursive: true });
      fs.mkdirSync(path.join(other, 'lib', 'deep'), { recursive: true });
      expect(packageFolderFrom(path.join(other, 'lib', 'deep'), 'drizzle-orm')).toBe(path.join(other, 'node_modules', 'drizzle-orm'));
      // Node never looks in node_modules/node_modules.
      expect(packageFolderFrom(path.join(other, 'node_modules'), 'drizzle-orm')).toBe(packageFolderFrom(other, 'drizzle-orm'));
      expect(packageFolderFrom(other, 'no-such-package-anywhere')).toBeNull();
      const there = bareImportKey('drizzle-orm', context(pathToFileURL(path.join(other, 'lib', 'deep', 'x.js')).href));
      expect(there).not.toBeNull();
      expect(there).not.toBe(a);
    } finally {
      fs.rmSync(other, { recursive: true, force: true });
    }
  });

  it('with the hook installed, Node resolves the bare imports the project makes to the same files as without it', () => {
    const specifiers = ['drizzle-orm', 'drizzle-orm/sqlite-core', 'drizzle-orm/better-sqlite3', 'drizzle-orm/better-sqlite3/migrator', 'zod', 'zod/v4/core'];
    const parents = [path.join(root, 'src', 'server', 'db', 'index.ts'), path.join(root, 'src', 'core', 'accounts.ts'), path.join(root, 'scripts', 'potluck.ts')];
    const script = (hook: boolean) => `
      ${hook ? `const { registerFastResolution } = await import(${JSON.stringify(pathToFileURL(path.join(root, 'scripts', 'lib', 'moduleResolution.ts')).href)}); registerFastResolution();` : ''}
      const { createRequire } = await import('node:module');
      const out = [];
      for (const parent of ${JSON.stringify(parents)}) for (let i = 0; i < 2; i++) for (const s of ${JSON.stringify(specifiers)}) {
        out.push(import.meta.resolve(s, 'file://' + parent));
        try { out.push(createRequire(parent).resolve(s)); } catch (e) { out.push(e.code); }
      }
      console.log(JSON.stringify(out));`;
    const run = (hook: boolean) => spawnSync(process.execPath, ['--input-type=module', '-e', script(hook)], { cwd: root, encoding: 'utf8' });
    const withHook = run(true);
    const without = run(false);
    expect(withHook.status, withHook.stderr).toBe(0);
    expect(without.status, without.stderr).toBe(0);
    const answers = JSON.parse(withHook.stdout) as string[];
    expect(answers).toEqual(JSON.parse(without.stdout));
    expect(answers.filter((a) => a.endsWith('.cjs')).length).toBeGreaterThan(0);
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

/**
 * A real Potluck server for a test file: its own data folder and SQLite file, started with the real CLI on a free
 * loopback port. `app` is a context on the same database for factories and for checking what was stored.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../src/server/config.ts';
import { createAppContext, type AppContext } from '../../src/server/context.ts';

const root = path.resolve(import.meta.dirname, '..', '..');

export interface TestServer {
  url: string;
  origin: string;
  dataDir: string;
  app: AppContext;
  stop(): Promise<void>;
}

/** A fresh data folder under the OS temp dir. */
export function tempDataDir(prefix = 'potluck-test-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** A context on a fresh, migrated database (no server) for command-level tests. */
export function createTestApp(env: Record<string, string> = {}): AppContext {
  const dataDir = tempDataDir();
  return createAppContext(loadConfig({ POTLUCK_DATA: dataDir, ...env }), { migrate: true });
}

/** Starts `potluck serve` on 127.0.0.1 with a free port and waits until it answers. */
export async function startServer(options: { env?: Record<string, string>; demo?: boolean } = {}): Promise<TestServer> {
  const dataDir = tempDataDir();
  const env = {
    ...process.env,
    POTLUCK_DATA: dataDir,
    PORT: '0',
    HOST: '127.0.0.1',
    POTLUCK_DEMO: options.demo ? 'auto' : 'off',
    TZ: 'UTC',
    ...options.env,
  };
  const child = spawn(process.execPath, [path.join(root, 'scripts', 'potluck.ts'), 'serve'], {
    cwd: root,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start in time:\n${output}`)), 60_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = output.match(/running at (http:\/\/[^/\s]+)\//);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', (c: Buffer) => (output += c.toString()));
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code}:\n${output}`));
    });
  });
  const app = createAppContext(loadConfig({ POTLUCK_DATA: dataDir, PORT: new URL(url).port, HOST: '127.0.0.1' }));
  return {
    url,
    origin: url,
    dataDir,
    app,
    async stop() {
      app.db.$client.close();
      await stopChild(child);
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
    setTimeout(() => child.kill('SIGKILL'), 5000).unref();
  });
}

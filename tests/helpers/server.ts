/**
 * A real Potluck server for a test file: its own data folder and SQLite file, started with the real CLI on a free
 * loopback port. `app` is a context on the same database for factories and for checking what was stored.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../src/server/config.ts';
import { createAppContext, type AppContext } from '../../src/server/context.ts';
import { startServerProcess } from '../../scripts/lib/serverProcess.ts';

const root = path.resolve(import.meta.dirname, '..', '..');

export interface TestServer {
  url: string;
  origin: string;
  dataDir: string;
  app: AppContext;
  /** What the server wrote to stdout and stderr so far: its JSON log lines. */
  output(): string;
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

/**
 * Two nodes of one instance, for command-level tests of what several app servers do at once: a fresh, migrated
 * database and data folder (`app`) and a second connection to both (`other`), as another node has. `close()` closes
 * both and removes the folder.
 */
export function createTestNodes(env: Record<string, string> = {}): { app: AppContext; other: AppContext; close(): void } {
  const app = createTestApp(env);
  const other = createAppContext(app.config);
  return {
    app,
    other,
    close() {
      other.db.$client.close();
      app.db.$client.close();
      fs.rmSync(app.config.dataDir, { recursive: true, force: true });
    },
  };
}

/** Starts `potluck serve` on 127.0.0.1 with a free port and waits until it answers. */
export async function startServer(options: { env?: Record<string, string>; demo?: boolean } = {}): Promise<TestServer> {
  const dataDir = tempDataDir();
  // Tests reach the server as 127.0.0.1:PORT (and localhost:PORT) whatever POTLUCK_SITE_URL names, as a proxy on
  // the same machine would: loopback names count on the listening port unless a test says otherwise.
  const env = { POTLUCK_DATA: dataDir, POTLUCK_DEMO: options.demo ? 'auto' : 'off', POTLUCK_HOST_ALIASES: 'loopback', ...options.env };
  const { url, stop, output } = await startServerProcess(env);
  const app = createAppContext(loadConfig({ POTLUCK_DATA: dataDir, PORT: new URL(url).port, HOST: '127.0.0.1' }));
  return {
    url,
    origin: url,
    dataDir,
    app,
    output,
    async stop() {
      app.db.$client.close();
      await stop();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Runs the real CLI in-process with captured streams, as a shell would (exit code, stdout, stderr). */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { main } from '../../scripts/potluck.ts';
import type { CliIo } from '../../scripts/cli/io.ts';

const root = path.resolve(import.meta.dirname, '..', '..');

/** `stdin` undefined means a terminal (nothing piped). */
export async function runCli(argv: string[], options: { env: Record<string, string | undefined>; stdin?: string }) {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (c) => (out += c));
  stderr.on('data', (c) => (err += c));
  const input =
    options.stdin === undefined ? Object.assign(Readable.from([]), { isTTY: true }) : Readable.from([Buffer.from(options.stdin)]);
  const io: CliIo = { stdout, stderr, stdin: input, env: options.env, cwd: process.cwd() };
  const code = await main(argv, io);
  await new Promise((resolve) => setImmediate(resolve));
  return { code, out, err };
}

/**
 * Runs the real CLI in a child process against a test server's data folder: for commands that render pages
 * in-process (site, export, build, publish), which must not share the test runner's module state.
 */
export function runCliProcess(
  server: { url: string; dataDir: string },
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: number; out: string; err: string }> {
  const child = spawn(process.execPath, [path.join(root, 'scripts', 'potluck.mjs'), ...args], {
    cwd: root,
    env: { ...process.env, POTLUCK_DATA: server.dataDir, HOST: '127.0.0.1', PORT: new URL(server.url).port, TZ: 'UTC', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (err += c.toString()));
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => resolve({ code: code ?? -1, out, err }));
  });
}

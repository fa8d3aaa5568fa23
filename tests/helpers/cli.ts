/** Runs the real CLI in-process with captured streams, as a shell would (exit code, stdout, stderr). */
import { PassThrough, Readable } from 'node:stream';
import { main } from '../../scripts/potluck.ts';
import type { CliIo } from '../../scripts/cli/io.ts';

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

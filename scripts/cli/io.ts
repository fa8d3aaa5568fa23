/** What every CLI command gets: its arguments, its streams, and a way to fail with a message and an exit code. */
import { parseArgs, type ParseArgsConfig } from 'node:util';

export interface CliIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  stdin: NodeJS.ReadableStream & { isTTY?: boolean };
  env: Record<string, string | undefined>;
  cwd: string;
}

export interface CliCommand {
  /** One line for the command list. */
  summary: string;
  /** The full --help text. */
  help: string;
  run(args: string[], io: CliIo): Promise<number>;
}

/** A usage error: printed with a pointer to --help, exit code 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** parseArgs with strict checking, turning its errors into UsageErrors that name the bad option. */
export function parseOptions<T extends NonNullable<ParseArgsConfig['options']>>(args: string[], options: T, allowPositionals = false) {
  try {
    return parseArgs({ args, options: { ...options, help: { type: 'boolean', short: 'h' } }, allowPositionals, strict: true });
  } catch (error) {
    throw new UsageError((error as Error).message.replace(/\. To specify a positional.*$/s, '.'));
  }
}

/** Reads all of stdin as text (for passwords piped in), or undefined when stdin is a terminal. */
export async function readStdin(io: CliIo): Promise<string | undefined> {
  if (io.stdin.isTTY) return undefined;
  const chunks: Buffer[] = [];
  for await (const chunk of io.stdin) chunks.push(Buffer.from(chunk as Buffer));
  return Buffer.concat(chunks).toString('utf8');
}

/** Writes a line. */
export function println(stream: NodeJS.WritableStream, text = ''): void {
  stream.write(text + '\n');
}

/** A progress line for long jobs: rewritten in place on a terminal, one line per step otherwise. */
export function progressReporter(stream: NodeJS.WritableStream & { isTTY?: boolean }) {
  let last = '';
  return {
    update(text: string) {
      if (stream.isTTY) stream.write(`\r${text.padEnd(last.length)}`);
      else if (text !== last) stream.write(text + '\n');
      last = text;
    },
    done(text?: string) {
      if (stream.isTTY) stream.write(`\r${(text ?? last).padEnd(last.length)}\n`);
      else if (text) stream.write(text + '\n');
    },
  };
}

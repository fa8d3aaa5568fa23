/**
 * The server's own log lines: one JSON object a line (`time`, `level`, `message`, then the fields), so that a
 * school's log collector can read them without a parser of its own. Fields and the message go through the audit
 * log's redaction (audit/redact.ts): a password, token or secret never reaches stdout or stderr. Info goes to
 * stdout, warnings and errors to stderr. The CLI's human output (tables, progress) does not use this.
 */
import { redact, redactText } from './audit/redact.ts';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

/** Where log lines go and what each carries. */
export interface LoggerOptions {
  stdout?: NodeJS.WritableStream;
  stderr?: NodeJS.WritableStream;
  now?: () => Date;
  /** Fields on every line (e.g. `component: 'poller'`). */
  fields?: Record<string, unknown>;
}

/** A structured logger. */
export interface Logger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
  /** A logger that adds `fields` to every line. */
  child(fields: Record<string, unknown>): Logger;
}

/** The JSON line for one entry (without the newline). */
export function formatLogLine(time: Date, level: LogLevel, message: string, fields: Record<string, unknown> = {}): string {
  const clean = redact(fields) as Record<string, unknown>;
  // time, level and message come first and cannot be overwritten by a field of the same name.
  const { time: _t, level: _l, message: _m, ...rest } = clean;
  return JSON.stringify({ time: time.toISOString(), level, message: redactText(message), ...rest });
}

/** Builds a logger writing to the given streams (default: the process's). */
export function createLogger(options: LoggerOptions = {}): Logger {
  const base = options.fields ?? {};
  const write = (level: LogLevel, message: string, fields?: Record<string, unknown>) => {
    const stream = level === 'warn' || level === 'error' ? (options.stderr ?? process.stderr) : (options.stdout ?? process.stdout);
    stream.write(formatLogLine((options.now ?? (() => new Date()))(), level, message, { ...base, ...fields }) + '\n');
  };
  return {
    debug: (m, f) => write('debug', m, f),
    info: (m, f) => write('info', m, f),
    warn: (m, f) => write('warn', m, f),
    error: (m, f) => write('error', m, f),
    child: (fields) => createLogger({ ...options, fields: { ...base, ...fields } }),
  };
}

/** The process's logger. */
export const logger: Logger = createLogger();

/**
 * PostgreSQL behind the connection API the data layer already uses (better-sqlite3's `prepare`, `run`/`get`/`all`,
 * `raw`, `pluck`, `transaction`), so drizzle's query builder and every repository run on either database unchanged.
 *
 * The query builder writes SQLite's SQL; {@link toPostgres} turns it into PostgreSQL's, once per statement text:
 * `?` and named parameters become `$n`, and the few SQLite spellings the app uses get PostgreSQL's (below). Rows
 * come back as SQLite gives them: integers as numbers, booleans as 1 and 0.
 *
 * Transactions behave as SQLite's do for the app: one writer at a time. Every transaction first takes one
 * transaction-scoped advisory lock, so two nodes' read-then-write transactions (a save checking the revision it
 * started from, a publish claiming its target) run one after the other, as two connections to one SQLite file do,
 * instead of interleaving under READ COMMITTED. Reads outside transactions never wait.
 */
import { PgError, SyncPgClient, type SyncResult } from './syncClient.ts';

/** The advisory lock every transaction takes ("POTL" in ASCII). */
const WRITER_LOCK = 0x504f544c;

interface Translated {
  text: string;
  /** Named parameters in the order of their $n, when the SQL used names. */
  names: string[] | null;
  /** How many positional parameters the SQL takes. */
  positional: number;
  /** BEGIN / COMMIT / ROLLBACK, which move the connection's transaction state. */
  control: 'begin' | 'commit' | 'rollback' | null;
}

type Params = unknown[];

/** A prepared statement with better-sqlite3's API. */
export class PgStatement {
  readonly source: string;
  readonly reader: boolean;
  /** Whether running it may change the database (anything but a plain SELECT). */
  private readonly mayWrite: boolean;
  readonly busy = false;
  private rawMode = false;
  private pluckMode = false;
  private readonly db: PgDatabase;
  private readonly sql: Translated;

  constructor(db: PgDatabase, source: string) {
    this.db = db;
    this.source = source;
    this.sql = db.translate(source);
    this.reader = /^\s*(select|with|values|pragma)\b/i.test(source) || /\breturning\b/i.test(source);
    this.mayWrite = !/^\s*select\b/i.test(source);
  }

  raw(on = true): this {
    this.rawMode = on;
    if (on) this.pluckMode = false;
    return this;
  }

  pluck(on = true): this {
    this.pluckMode = on;
    if (on) this.rawMode = false;
    return this;
  }

  safeIntegers(): this {
    return this;
  }

  expand(): this {
    return this;
  }

  run(...args: unknown[]): { changes: number; lastInsertRowid: number } {
    const result = this.execute(args);
    return { changes: result.rowCount, lastInsertRowid: 0 };
  }

  get(...args: unknown[]): unknown {
    const result = this.execute(args);
    const row = result.rows[0];
    return row === undefined ? undefined : this.shape(result.columns, row);
  }

  all(...args: unknown[]): unknown[] {
    const result = this.execute(args);
    return result.rows.map((row) => this.shape(result.columns, row));
  }

  iterate(...args: unknown[]): IterableIterator<unknown> {
    return this.all(...args)[Symbol.iterator]();
  }

  columns(): { name: string }[] {
    throw new PgError('columns() is not available on PostgreSQL statements.');
  }

  private shape(columns: string[], row: unknown[]): unknown {
    if (this.pluckMode) return row[0];
    if (this.rawMode) return row;
    const object: Record<string, unknown> = {};
    for (let i = 0; i < columns.length; i++) object[columns[i]!] = row[i];
    return object;
  }

  private execute(args: unknown[]): SyncResult {
    const values = bind(this.sql, args, this.source);
    // BEGIN (with its lock), COMMIT and ROLLBACK go as a script: a prepared statement holds one statement only.
    const result = this.db.client.query(this.sql.text, this.sql.control ? undefined : values);
    this.db.noteRun(this.sql, this.reader ? 0 : result.rowCount, this.mayWrite);
    return result;
  }
}

/** Turns better-sqlite3's arguments (positional values, arrays of them, or one object of named values) into $n values. */
function bind(sql: Translated, args: unknown[], source: string): unknown[] {
  if (sql.names) {
    const named = args.find((a) => isPlainObject(a)) as Record<string, unknown> | undefined;
    if (!named) throw new PgError(`The statement takes named parameters (${sql.names.join(', ')}); pass an object. SQL: ${source}`);
    return sql.names.map((name) => {
      if (!(name in named)) throw new PgError(`Missing named parameter "${name}". SQL: ${source}`);
      return named[name];
    });
  }
  const values: unknown[] = [];
  for (const a of args) {
    if (Array.isArray(a)) values.push(...a);
    else values.push(a);
  }
  if (values.length !== sql.positional) throw new PgError(`Too ${values.length < sql.positional ? 'few' : 'many'} parameter values were provided (${values.length} for ${sql.positional}). SQL: ${source}`);
  return values;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Uint8Array) && !(value instanceof Date);
}

/** PostgreSQL with the part of better-sqlite3's Database API that Potluck uses. */
export class PgDatabase {
  readonly client: SyncPgClient;
  readonly dialect = 'postgres' as const;
  readonly name: string;
  readonly memory = false;
  readonly readonly = false;
  /** Rows this connection has written, as SQLite's total_changes() counts them. */
  totalChanges = 0;
  private depth = 0;
  private closed = false;
  private translations = new Map<string, Translated>();

  constructor(url: string) {
    this.client = new SyncPgClient(url);
    this.name = url;
  }

  get open(): boolean {
    return !this.closed;
  }

  get inTransaction(): boolean {
    return this.depth > 0;
  }

  prepare(source: string): PgStatement {
    return new PgStatement(this, source);
  }

  /** Runs a script of statements, without parameters. */
  exec(source: string): this {
    const sql = this.translate(source);
    this.client.query(sql.text);
    this.noteRun(sql, 0, true);
    return this;
  }

  /** SQLite's pragmas have no PostgreSQL meaning; the few the app reads answer as an empty result. */
  pragma(_source: string, _options?: { simple?: boolean }): unknown[] {
    return [];
  }

  /** better-sqlite3's transaction(): a function that runs `fn` in a transaction, or a savepoint inside one. */
  transaction<A extends unknown[], R>(fn: (...args: A) => R): ((...args: A) => R) & { deferred: (...args: A) => R; immediate: (...args: A) => R; exclusive: (...args: A) => R } {
    const run = (...args: A): R => {
      const outer = this.depth === 0;
      const savepoint = `potluck_sp${this.depth}`;
      if (outer) {
        this.client.query(`BEGIN; SELECT pg_advisory_xact_lock(${WRITER_LOCK})`);
      } else {
        this.client.query(`SAVEPOINT ${savepoint}`);
      }
      this.depth++;
      let result: R;
      try {
        result = fn(...args);
        if (result && typeof (result as { then?: unknown }).then === 'function') throw new TypeError('Transaction function cannot return a promise');
      } catch (error) {
        this.depth--;
        this.rollBack(outer ? 'ROLLBACK' : `ROLLBACK TO SAVEPOINT ${savepoint}; RELEASE SAVEPOINT ${savepoint}`);
        throw error;
      }
      this.depth--;
      if (outer) {
        try {
          this.client.query('COMMIT');
        } catch (error) {
          this.rollBack('ROLLBACK');
          throw error;
        }
      } else this.client.query(`RELEASE SAVEPOINT ${savepoint}`);
      return result;
    };
    return Object.assign(run, { deferred: run, immediate: run, exclusive: run });
  }

  /**
   * Rolls back after a failure, keeping the failure as the error: on a connection that was lost, the rollback fails
   * too (and PostgreSQL has already ended the transaction).
   */
  private rollBack(statement: string): void {
    try {
      this.client.query(statement);
    } catch {
      // The first error says what went wrong.
    }
  }

  close(): this {
    this.closed = true;
    this.client.close();
    return this;
  }

  /** Keeps the transaction depth and the counts of writes in step with what a statement did. */
  noteRun(sql: Translated, written: number, mayWrite: boolean): void {
    this.totalChanges += written;
    if (mayWrite) pgWrites().count++;
    if (sql.control === 'begin') this.depth++;
    else if (sql.control && this.depth > 0) this.depth = 0;
  }

  translate(source: string): Translated {
    let sql = this.translations.get(source);
    if (!sql) {
      sql = toPostgres(source);
      if (this.translations.size > 5000) this.translations.clear();
      this.translations.set(source, sql);
    }
    return sql;
  }
}

const WRITES = Symbol.for('potluck.pgWrites');

/** The process's count of statements run on PostgreSQL that may have written, on any connection. */
function pgWrites(): { count: number } {
  const holder = globalThis as typeof globalThis & { [WRITES]?: { count: number } };
  holder[WRITES] ??= { count: 0 };
  return holder[WRITES];
}

/**
 * How many statements that may write this process has run on PostgreSQL, on any of its connections (the server's
 * front and its site have one each): with the server's snapshot, the change stamp of db/changes.ts.
 */
export function pgWriteCount(): number {
  return pgWrites().count;
}

/** Whether `db`'s connection is PostgreSQL. */
export function isPg(client: unknown): client is PgDatabase {
  return client instanceof PgDatabase;
}

// --- SQLite's SQL to PostgreSQL's ----------------------------------------------------------------------------------

interface Token {
  kind: 'word' | 'string' | 'ident' | 'param' | 'punct' | 'space' | 'comment' | 'number';
  text: string;
}

function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  const n = source.length;
  while (i < n) {
    const c = source[i]!;
    if (c === "'" || c === '"' || c === '`') {
      let j = i + 1;
      while (j < n) {
        if (source[j] === c) {
          if (source[j + 1] === c) j += 2;
          else break;
        } else j++;
      }
      const text = source.slice(i, j + 1);
      tokens.push({ kind: c === "'" ? 'string' : 'ident', text: c === '`' ? `"${text.slice(1, -1)}"` : text });
      i = j + 1;
    } else if (c === '-' && source[i + 1] === '-') {
      const j = source.indexOf('\n', i);
      const end = j === -1 ? n : j;
      tokens.push({ kind: 'comment', text: source.slice(i, end) });
      i = end;
    } else if (c === '/' && source[i + 1] === '*') {
      const j = source.indexOf('*/', i + 2);
      const end = j === -1 ? n : j + 2;
      tokens.push({ kind: 'comment', text: source.slice(i, end) });
      i = end;
    } else if (/\s/.test(c)) {
      let j = i + 1;
      while (j < n && /\s/.test(source[j]!)) j++;
      tokens.push({ kind: 'space', text: source.slice(i, j) });
      i = j;
    } else if (c === '?') {
      let j = i + 1;
      while (j < n && /[0-9]/.test(source[j]!)) j++;
      tokens.push({ kind: 'param', text: source.slice(i, j) });
      i = j;
    } else if ((c === '@' || c === ':' || c === '$') && /[A-Za-z_]/.test(source[i + 1] ?? '') && source[i - 1] !== ':') {
      let j = i + 1;
      while (j < n && /[A-Za-z0-9_]/.test(source[j]!)) j++;
      tokens.push({ kind: 'param', text: source.slice(i, j) });
      i = j;
    } else if (/[A-Za-z_]/.test(c)) {
      let j = i + 1;
      while (j < n && /[A-Za-z0-9_$]/.test(source[j]!)) j++;
      tokens.push({ kind: 'word', text: source.slice(i, j) });
      i = j;
    } else if (/[0-9]/.test(c)) {
      let j = i + 1;
      while (j < n && /[0-9.eE]/.test(source[j]!)) j++;
      tokens.push({ kind: 'number', text: source.slice(i, j) });
      i = j;
    } else {
      tokens.push({ kind: 'punct', text: c });
      i++;
    }
  }
  return tokens;
}

/** Names that follow AS in a CAST, never aliases. */
const TYPE_NAMES = new Set(['integer', 'int', 'bigint', 'text', 'real', 'numeric', 'blob', 'boolean', 'varchar', 'json', 'jsonb']);

const COMPARISONS = new Set(['=', '<', '>', '!', 'is', 'in', 'like', 'glob', 'not', 'and', 'or', 'exists', 'between']);

/** Whether the tokens between `from` and `to` hold a comparison (so their value is a boolean on PostgreSQL). */
function isComparison(tokens: Token[], from: number, to: number): boolean {
  for (let i = from; i < to; i++) {
    const t = tokens[i]!;
    if ((t.kind === 'punct' || t.kind === 'word') && COMPARISONS.has(t.text.toLowerCase())) return true;
  }
  return false;
}

/** The index of the `)` closing the `(` at `open`, and the indexes of the commas at its top level. */
function closing(tokens: Token[], open: number): { close: number; commas: number[] } {
  let depth = 0;
  const commas: number[] = [];
  for (let i = open; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (t.kind !== 'punct') continue;
    if (t.text === '(') depth++;
    else if (t.text === ')') {
      depth--;
      if (depth === 0) return { close: i, commas };
    } else if (t.text === ',' && depth === 1) commas.push(i);
  }
  throw new PgError('Unbalanced parentheses in SQL.');
}

function nextSolid(tokens: Token[], from: number): number {
  let i = from;
  while (i < tokens.length && (tokens[i]!.kind === 'space' || tokens[i]!.kind === 'comment')) i++;
  return i;
}

function text(tokens: Token[], from: number, to: number): string {
  let s = '';
  for (let i = from; i < to; i++) s += tokens[i]!.text;
  return s;
}

const STRFTIME: Record<string, string> = { '%Y': 'YYYY', '%m': 'MM', '%d': 'DD', '%Y-%m': 'YYYY-MM', '%Y-%m-%d': 'YYYY-MM-DD' };

/**
 * SQLite's SQL as PostgreSQL's: parameters as $n; `like` as `ilike` (SQLite's LIKE ignores ASCII case);
 * `insert or ignore` as `on conflict do nothing`; `json_each(x)` as `json_array_elements_text(x::json)`;
 * two-argument `max`/`min` as `greatest`/`least`; `ifnull` as `coalesce`; `limit -1` as `limit all`;
 * `json_extract(x, '$.key')` as `x::json->>'key'`; `strftime(f, x, 'unixepoch')` as `to_char(to_timestamp(x), …)`;
 * `begin immediate` as `begin`.
 */
export function toPostgres(source: string): Translated {
  const tokens = tokenize(source);
  // Rewrites that need the whole call first, innermost last so nested calls are rewritten too.
  for (let i = tokens.length - 1; i >= 0; i--) {
    const t = tokens[i]!;
    if (t.kind !== 'word') continue;
    const lower = t.text.toLowerCase();
    const open = nextSolid(tokens, i + 1);
    if (tokens[open]?.text !== '(') continue;
    if (lower === 'json_each') {
      const { close } = closing(tokens, open);
      t.text = 'json_array_elements_text';
      tokens[open] = { kind: 'punct', text: '((' };
      tokens[close] = { kind: 'punct', text: ')::json)' };
    } else if (lower === 'max' || lower === 'min') {
      const { commas } = closing(tokens, open);
      if (commas.length > 0) t.text = lower === 'max' ? 'greatest' : 'least';
    } else if (lower === 'ifnull') {
      t.text = 'coalesce';
    } else if (lower === 'sum') {
      // SQLite sums a comparison's 1s and 0s; PostgreSQL needs the boolean made an integer first.
      const { close } = closing(tokens, open);
      const first = tokens[nextSolid(tokens, open + 1)]?.text.toLowerCase();
      if (first !== 'case' && isComparison(tokens, open + 1, close)) {
        tokens[open] = { kind: 'punct', text: '((' };
        tokens[close] = { kind: 'punct', text: ')::int)' };
      }
    } else if (lower === 'json_extract') {
      const { close, commas } = closing(tokens, open);
      const pathToken = tokens[nextSolid(tokens, (commas[0] ?? close) + 1)];
      const path = pathToken?.kind === 'string' ? pathToken.text.slice(1, -1) : '';
      if (commas.length !== 1 || !/^\$\.[A-Za-z_][A-Za-z0-9_]*$/.test(path)) throw new PgError(`json_extract with the path ${path || '(none)'} has no PostgreSQL spelling here.`);
      t.text = '';
      tokens[open] = { kind: 'punct', text: '((' };
      tokens.splice(commas[0]!, close - commas[0]! + 1, { kind: 'punct', text: `)::json->>'${path.slice(2)}')` });
    } else if (lower === 'strftime') {
      const { close, commas } = closing(tokens, open);
      const format = tokens[nextSolid(tokens, open + 1)];
      const modifier = commas[1] === undefined ? undefined : tokens[nextSolid(tokens, commas[1] + 1)];
      const pgFormat = format?.kind === 'string' ? STRFTIME[format.text.slice(1, -1)] : undefined;
      if (commas.length !== 2 || !pgFormat || modifier?.text !== "'unixepoch'") throw new PgError('This strftime() has no PostgreSQL spelling here.');
      // strftime('%Y', x, 'unixepoch') is to_char(to_timestamp(x), 'YYYY'): the value's tokens stay where they are.
      tokens.splice(commas[1]!, close - commas[1]! + 1, { kind: 'punct', text: `), '${pgFormat}')` });
      tokens.splice(open, commas[0]! - open + 1, { kind: 'punct', text: '(to_timestamp(' });
      t.text = 'to_char';
    }
  }
  let positional = 0;
  const names: string[] = [];
  const nameIndex = new Map<string, number>();
  let out = '';
  let ignoreConflicts = false;
  let control: Translated['control'] = null;
  const first = tokens[nextSolid(tokens, 0)]?.text.toLowerCase();
  if (first === 'begin') control = 'begin';
  else if (first === 'commit' || first === 'end') control = 'commit';
  else if (first === 'rollback' && !/\bto\b/i.test(source)) control = 'rollback';
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (t.kind === 'param') {
      if (t.text[0] === '?') {
        out += t.text.length > 1 ? `$${t.text.slice(1)}` : `$${++positional}`;
        if (t.text.length > 1) positional = Math.max(positional, Number(t.text.slice(1)));
      } else {
        const name = t.text.slice(1);
        let index = nameIndex.get(name);
        if (index === undefined) {
          names.push(name);
          index = names.length;
          nameIndex.set(name, index);
        }
        out += `$${index}`;
      }
      continue;
    }
    if (t.kind === 'punct' && t.text === '+') {
      // SQLite's unary + (keeps the planner off an index) is an error on text in PostgreSQL; the plan is its own.
      let before = i - 1;
      while (before >= 0 && (tokens[before]!.kind === 'space' || tokens[before]!.kind === 'comment')) before--;
      const previous = tokens[before];
      if (!previous || (previous.kind === 'punct' && (previous.text === '(' || previous.text === ',')) || (previous.kind === 'word' && /^(and|or|not|where|on|by|select|when|then|else)$/i.test(previous.text))) continue;
    }
    if (t.kind === 'word') {
      const lower = t.text.toLowerCase();
      if (lower === 'conflict' && tokens[i - 2]?.text.toLowerCase() === 'on') {
        // PostgreSQL names the conflict target's columns bare: ("t"."a", "t"."b") becomes ("a", "b").
        const open = nextSolid(tokens, i + 1);
        if (tokens[open]?.text === '(') {
          const { close } = closing(tokens, open);
          for (let k = open + 1; k < close; k++) {
            if (tokens[k]!.kind === 'ident' && tokens[k + 1]?.text === '.' && tokens[k + 2]?.kind === 'ident') {
              tokens[k] = { kind: 'space', text: '' };
              tokens[k + 1] = { kind: 'space', text: '' };
            }
          }
        }
      }
      // SQLite keeps the case of a name it is given (`as ownerId`, then `a.ownerId`); PostgreSQL folds an unquoted
      // one to lower case. Every mixed-case name is quoted, where it is made and where it is used (keywords and the
      // schema's names are written in one case).
      if (/[A-Z]/.test(t.text) && /[a-z]/.test(t.text) && !TYPE_NAMES.has(lower) && tokens[i + 1]?.text !== '(') {
        out += `"${t.text}"`;
        continue;
      }
      if (lower === 'like') {
        out += 'ilike';
        continue;
      }
      if (lower === 'insert') {
        const or = nextSolid(tokens, i + 1);
        if (tokens[or]?.text.toLowerCase() === 'or') {
          const what = nextSolid(tokens, or + 1);
          const action = tokens[what]?.text.toLowerCase();
          if (action !== 'ignore') throw new PgError(`INSERT OR ${tokens[what]?.text ?? ''} has no PostgreSQL spelling; use ON CONFLICT.`);
          ignoreConflicts = true;
          out += 'insert';
          i = what;
          continue;
        }
      }
      if (lower === 'returning' && ignoreConflicts) {
        out += 'on conflict do nothing returning';
        ignoreConflicts = false;
        continue;
      }
      if (lower === 'limit') {
        const minus = nextSolid(tokens, i + 1);
        const one = nextSolid(tokens, minus + 1);
        if (tokens[minus]?.text === '-' && tokens[one]?.text === '1') {
          out += 'limit all';
          i = one;
          continue;
        }
      }
      if (lower === 'begin' && control === 'begin') {
        const mode = nextSolid(tokens, i + 1);
        if (/^(immediate|deferred|exclusive)$/i.test(tokens[mode]?.text ?? '')) {
          out += `begin; select pg_advisory_xact_lock(${WRITER_LOCK})`;
          i = mode;
          continue;
        }
      }
    }
    out += t.text;
  }
  if (ignoreConflicts) out = out.replace(/\s*;?\s*$/, ' on conflict do nothing');
  return { text: out, names: names.length ? names : null, positional, control };
}

/**
 * Writes that fail the way a full disk would, on either database: a trigger that aborts inserts into `table`
 * (those whose `column` holds `value`, when given), with `message` as the error.
 */
import type { AppContext } from '../../src/server/context.ts';
import { onPostgres } from '../../src/server/db/index.ts';

export function failInserts(app: AppContext, table: string, options: { column?: string; value?: string; message?: string } = {}): void {
  const message = (options.message ?? 'disk I/O error').replace(/'/g, "''");
  const name = `fail_${table}`;
  const condition = options.column ? `NEW."${options.column}" = '${(options.value ?? '').replace(/'/g, "''")}'` : 'true';
  if (onPostgres(app.db)) {
    app.db.$client.exec(
      `CREATE FUNCTION ${name}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN IF ${condition} THEN RAISE EXCEPTION '${message}'; END IF; RETURN NEW; END $$;
       CREATE TRIGGER ${name} BEFORE INSERT ON "${table}" FOR EACH ROW EXECUTE FUNCTION ${name}()`,
    );
  } else {
    app.db.$client.exec(`CREATE TRIGGER ${name} BEFORE INSERT ON "${table}" WHEN ${condition === 'true' ? '1' : condition} BEGIN SELECT RAISE(ABORT, '${message}'); END`);
  }
}

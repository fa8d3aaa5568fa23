/**
 * The environment switches of the server's background workers (poller, notifications, Webmention, WebSub), read in
 * one place: `POTLUCK_<NAME>=off` (or `0`) stops a worker, `on` (or `1`) starts it even under the test runner, where
 * most are off because tests run the work when they mean to. `POTLUCK_<NAME>_TICK_SECONDS` sets how often it runs.
 */
type Env = Record<string, string | undefined>;

/** A positive number of seconds from the environment, or `fallback` when unset or not one. */
export function envSeconds(value: string | undefined, fallback: number): number {
  const n = Number(value ?? '');
  return Number.isFinite(n) && n > 0 ? n : fallback;
}

/**
 * Whether the worker `POTLUCK_<name>` runs, and its tick: null when it is off. `offUnderTest` (the default) keeps it
 * off under vitest unless the variable says `on`.
 */
export function backgroundWork(env: Env, name: string, defaultTickSeconds: number, options: { offUnderTest?: boolean } = {}): { tickMs: number } | null {
  const setting = (env[`POTLUCK_${name}`] ?? '').toLowerCase();
  const running = { tickMs: envSeconds(env[`POTLUCK_${name}_TICK_SECONDS`], defaultTickSeconds) * 1000 };
  if (setting === 'on' || setting === '1') return running;
  if (setting === 'off' || setting === '0') return null;
  if (options.offUnderTest === false) return running;
  const underTest = Boolean(env.VITEST) || env.NODE_ENV === 'test';
  return setting === '' && !underTest ? running : null;
}

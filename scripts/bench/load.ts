/** A small closed-loop HTTP load generator for loopback benchmarks: N connections, each sending requests back to back. */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';

export interface LoadResult {
  requests: number;
  errors: number;
  seconds: number;
  rps: number;
  p50_ms: number;
  p99_ms: number;
}

/** Sends GETs to `url` over `connections` keep-alive sockets for `seconds`; every non-2xx/304 counts as an error. */
export async function load(url: string, options: { connections: number; seconds: number; headers?: Record<string, string> }): Promise<LoadResult> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: options.connections });
  const target = new URL(url);
  const latencies: number[] = [];
  let errors = 0;
  const deadline = performance.now() + options.seconds * 1000;
  const one = () =>
    new Promise<void>((resolve) => {
      const start = performance.now();
      const req = http.get({ host: target.hostname, port: target.port, path: target.pathname + target.search, agent, headers: options.headers }, (res) => {
        res.on('data', () => {});
        res.on('end', () => {
          if (res.statusCode !== 200 && res.statusCode !== 304) errors++;
          latencies.push(performance.now() - start);
          resolve();
        });
      });
      req.on('error', () => {
        errors++;
        resolve();
      });
    });
  const began = performance.now();
  await Promise.all(
    Array.from({ length: options.connections }, async () => {
      while (performance.now() < deadline) await one();
    }),
  );
  const seconds = (performance.now() - began) / 1000;
  agent.destroy();
  latencies.sort((a, b) => a - b);
  const at = (q: number) => Math.round(latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] * 100) / 100;
  return { requests: latencies.length, errors, seconds: Math.round(seconds * 100) / 100, rps: Math.round(latencies.length / seconds), p50_ms: at(0.5), p99_ms: at(0.99) };
}

/** Whether Debian's wrk is installed: a load generator in C, which leaves more of the two cores to the server. */
export function hasWrk(): boolean {
  return fs.existsSync(WRK);
}

const WRK = '/usr/bin/wrk';

/**
 * The same measurement with wrk (one thread, `connections` connections) when it is installed, else with `load`.
 * Non-2xx/3xx answers count as errors.
 */
export async function loadFast(url: string, options: { connections: number; seconds: number; headers?: Record<string, string> }): Promise<LoadResult & { generator: string }> {
  if (!hasWrk()) return { ...(await load(url, options)), generator: 'node' };
  const args = ['-t1', `-c${options.connections}`, `-d${options.seconds}s`, '--latency'];
  for (const [name, value] of Object.entries(options.headers ?? {})) args.push('-H', `${name}: ${value}`);
  const out = await new Promise<string>((resolve, reject) =>
    execFile(WRK, [...args, url], { encoding: 'utf8' }, (error, stdout) => (error ? reject(error) : resolve(stdout))),
  );
  const ms = (label: string) => {
    const m = new RegExp(`^\\s*${label}%\\s+([\\d.]+)(us|ms|s)\\s*$`, 'm').exec(out);
    if (!m) throw new Error(`wrk printed no ${label}% latency:\n${out}`);
    const factor = m[2] === 'us' ? 0.001 : m[2] === 's' ? 1000 : 1;
    return Math.round(Number(m[1]) * factor * 100) / 100;
  };
  const requests = Number(/(\d+) requests in ([\d.]+)(ms|s)/.exec(out)?.[1] ?? NaN);
  const seconds = Number(/requests in ([\d.]+)s/.exec(out)?.[1] ?? options.seconds);
  const errors = Number(/Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1] ?? 0) + Number(/Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out)?.slice(1).reduce((a, b) => a + Number(b), 0) ?? 0);
  return { requests, errors, seconds, rps: Math.round(Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1] ?? NaN)), p50_ms: ms('50'), p99_ms: ms('99'), generator: 'wrk' };
}

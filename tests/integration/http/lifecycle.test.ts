/**
 * The probes and stopping, on the real server: /healthz says whether the database answers, /readyz whether to send
 * the process new requests; on SIGTERM it drains (readyz 503, connections asked to close), finishes the requests
 * under way, and gives up on them only after the shutdown timeout.
 */
import fs from 'node:fs';
import http from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/server/config.ts';
import { createAppContext } from '../../../src/server/context.ts';
import { healthResponse, readyResponse } from '../../../src/server/http/probes.ts';
import { startServerProcess, type ServerProcess } from '../../../scripts/lib/serverProcess.ts';
import { tempDataDir } from '../../helpers/server.ts';

const started: { server: ServerProcess; dataDir: string }[] = [];

async function serve(env: Record<string, string> = {}): Promise<ServerProcess> {
  const dataDir = tempDataDir();
  const server = await startServerProcess({ POTLUCK_DATA: dataDir, POTLUCK_DEMO: 'off', ...env });
  started.push({ server, dataDir });
  return server;
}

afterEach(async () => {
  for (const { server, dataDir } of started.splice(0)) {
    if (server.child.exitCode === null && server.child.signalCode === null) server.child.kill('SIGKILL');
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
});

function exited(server: ServerProcess): Promise<number | null> {
  if (server.child.exitCode !== null) return Promise.resolve(server.child.exitCode);
  return new Promise((resolve) => server.child.once('exit', (code) => resolve(code)));
}

/** A request sent over a connection of its own, so that one closed by the server does not decide the next. */
function get(base: string, path: string): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const request = http.get(new URL(path, base), { agent: false }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (c: string) => (body += c));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body }));
    });
    request.on('error', reject);
  });
}

/** A POST whose body is only half sent: the request stays under way until `finish()` sends the rest. */
function halfSentPost(base: string, path: string): { finish(): void; response: Promise<number> } {
  const body = 'source=https%3A%2F%2Fexample.org%2Fa&target=https%3A%2F%2Fexample.org%2Fb';
  const url = new URL(path, base);
  let request!: http.ClientRequest;
  const response = new Promise<number>((resolve, reject) => {
    request = http.request(
      { hostname: url.hostname, port: url.port, path: url.pathname, method: 'POST', agent: false, headers: { 'content-type': 'application/x-www-form-urlencoded', 'content-length': String(body.length) } },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    request.on('error', reject);
  });
  request.write(body.slice(0, 10));
  request.flushHeaders();
  return { finish: () => request.end(body.slice(10)), response };
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('the probes', () => {
  it('answer 200 with JSON, never cached, while the server serves', async () => {
    const server = await serve();
    const health = await get(server.url, '/healthz');
    expect(health.status).toBe(200);
    expect(health.headers['cache-control']).toBe('no-store');
    expect(JSON.parse(health.body)).toEqual({ ok: true, database: 'ok' });
    const ready = await get(server.url, '/readyz');
    expect(ready.status).toBe(200);
    expect(ready.headers['cache-control']).toBe('no-store');
    expect(JSON.parse(ready.body)).toEqual({ ready: true });
  });

  it('answer 503 with the reason when the database does not answer', async () => {
    const dataDir = tempDataDir();
    const app = createAppContext(loadConfig({ POTLUCK_DATA: dataDir }), { migrate: true });
    expect(healthResponse(app).status).toBe(200);
    app.db.$client.close();
    const health = healthResponse(app);
    expect(health.status).toBe(503);
    expect(await health.json()).toMatchObject({ ok: false, database: 'unavailable' });
    const ready = readyResponse(app);
    expect(ready.status).toBe(503);
    expect((await ready.json()).reason).toMatch(/database/);
    fs.rmSync(dataDir, { recursive: true, force: true });
  });
});

describe('stopping on SIGTERM', () => {
  it('drains: readyz says 503 and answers ask to close the connection, then it exits 0', async () => {
    const server = await serve({ POTLUCK_DRAIN_SECONDS: '2' });
    expect((await get(server.url, '/readyz')).status).toBe(200);
    const exit = exited(server);
    server.child.kill('SIGTERM');
    await pause(200);
    const ready = await get(server.url, '/readyz');
    expect(ready.status).toBe(503);
    expect(JSON.parse(ready.body).reason).toMatch(/stopping/);
    expect(ready.headers.connection).toBe('close');
    // Still answering everything else meanwhile.
    const health = await get(server.url, '/healthz');
    expect(health.status).toBe(200);
    expect(health.headers.connection).toBe('close');
    expect(await exit).toBe(0);
    expect(server.output()).toContain('Stopped.');
    // Gone: no new connection is taken.
    await expect(get(server.url, '/healthz')).rejects.toThrow(/ECONNREFUSED/);
  });

  it('finishes a request under way before it exits', async () => {
    const server = await serve();
    const post = halfSentPost(server.url, '/webmention');
    await pause(300);
    const exit = exited(server);
    server.child.kill('SIGTERM');
    await pause(500);
    expect(server.child.exitCode).toBeNull();
    // A new connection is no longer taken, but the one under way is answered.
    await expect(get(server.url, '/healthz')).rejects.toThrow(/ECONNREFUSED/);
    post.finish();
    const status = await post.response;
    expect(status).toBeGreaterThanOrEqual(200);
    expect(status).toBeLessThan(500);
    expect(await exit).toBe(0);
  });

  it('gives up on a request that never ends after the shutdown timeout, and says so', async () => {
    const server = await serve({ POTLUCK_SHUTDOWN_TIMEOUT_SECONDS: '1' });
    const post = halfSentPost(server.url, '/webmention');
    post.response.catch(() => {}); // cut off
    await pause(300);
    const exit = exited(server);
    server.child.kill('SIGTERM');
    expect(await exit).toBe(1);
    expect(server.output()).toMatch(/still under way: they were cut off/);
  });

  it('refuses a drain or timeout that is not a number of seconds, naming the setting', async () => {
    expect(() => loadConfig({ POTLUCK_DRAIN_SECONDS: 'soon' })).toThrow(/POTLUCK_DRAIN_SECONDS must be a number of seconds/);
    expect(() => loadConfig({ POTLUCK_SHUTDOWN_TIMEOUT_SECONDS: '-1' })).toThrow(/may not be negative/);
  });
});

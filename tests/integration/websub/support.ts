/** Shared pieces of the WebSub tests: a Potluck server whose site URL is its real loopback address, and waiting. */
import net from 'node:net';
import { startServer, type TestServer } from '../../helpers/server.ts';

/** A free loopback port (the server must know its own address: feeds name it as rel=self and rel=hub). */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** A Potluck server with its WebSub worker on a one-second tick (first retries after one second). */
export async function startWebSubServer(env: Record<string, string> = {}): Promise<TestServer> {
  const port = await freePort();
  return startServer({
    env: {
      PORT: String(port),
      POTLUCK_SITE_URL: `http://127.0.0.1:${port}`,
      POTLUCK_ALLOW_PRIVATE_NETWORKS: '1',
      POTLUCK_WEBSUB: 'on',
      POTLUCK_WEBSUB_TICK_SECONDS: '1',
      POTLUCK_WEBSUB_RETRY_SECONDS: '1',
      ...env,
    },
  });
}

/** Waits until `check` returns something truthy (or throws after `ms`). */
export async function waitFor<T>(check: () => T | Promise<T>, ms = 10_000, what = 'the condition'): Promise<NonNullable<T>> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value) return value as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Lets `ms` pass (to show something did NOT happen across several worker ticks). */
export const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

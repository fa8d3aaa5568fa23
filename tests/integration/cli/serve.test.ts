import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCliProcess } from '../../helpers/cli.ts';
import { startServer, type TestServer } from '../../helpers/server.ts';

let server: TestServer;
beforeAll(async () => {
  server = await startServer();
});
afterAll(() => server?.stop());

describe('potluck serve', () => {
  it('says which port is taken and how to choose another, instead of a stack trace', async () => {
    const port = new URL(server.url).port;
    const result = await runCliProcess(server, ['serve', '--no-demo'], { PORT: port, HOST: '127.0.0.1' });
    expect(result.code).toBe(1);
    expect(result.err).toContain(`port ${port} on 127.0.0.1 is already in use`);
    expect(result.err).toContain('PORT=');
    expect(result.err).not.toContain('UVException');
  });
});

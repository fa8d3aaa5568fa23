/**
 * The peer for the page benchmarks: a bare `node:http` server answering every request with one recorded response's
 * headers and body. With `busyMs` it first spends that much processor time per request (a busy loop), so a page
 * that costs Potluck n ms can be set beside a server doing nothing but n ms of work: what is left between the two is
 * Potluck's, what they share is the load generator's and Node's.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface BarePeer {
  url: string;
  pid: number;
  stop: () => void;
}

/** Starts the peer in its own process; the headers that name the connection or the date are not replayed. */
export async function startBarePeer(response: Response, busyMs = 0): Promise<BarePeer> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'potluck-bench-peer-'));
  const headers = Object.fromEntries([...response.headers].filter(([name]) => name !== 'date' && name !== 'connection' && name !== 'keep-alive' && name !== 'transfer-encoding'));
  fs.writeFileSync(path.join(dir, 'body'), new Uint8Array(await response.arrayBuffer()));
  fs.writeFileSync(path.join(dir, 'headers.json'), JSON.stringify(headers));
  const script = `
    const http = require('node:http'); const fs = require('node:fs');
    const body = fs.readFileSync(${JSON.stringify(path.join(dir, 'body'))});
    const headers = JSON.parse(fs.readFileSync(${JSON.stringify(path.join(dir, 'headers.json'))}, 'utf8'));
    const busyMs = ${Number(busyMs)};
    const server = http.createServer((req, res) => {
      if (busyMs > 0) { const start = process.cpuUsage(); let spent = 0; while (spent < busyMs * 1000) { const u = process.cpuUsage(start); spent = u.user + u.system; } }
      res.writeHead(200, headers); res.end(body);
    });
    server.keepAliveTimeout = 65000;
    server.listen(0, '127.0.0.1', () => console.log('http://127.0.0.1:' + server.address().port + '/'));`;
  const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  const address = await new Promise<string>((resolve) => child.stdout!.once('data', (d: Buffer) => resolve(d.toString().trim())));
  return {
    url: address,
    pid: child.pid!,
    stop: () => {
      child.kill();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Runs every scripts/bench/*.bench.ts in turn (each in its own process) and prints their figures with the machine. */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { machine } from './lib.ts';

const dir = import.meta.dirname;
const only = process.argv.slice(2);
const files = fs
  .readdirSync(dir)
  .filter((f) => f.endsWith('.bench.ts'))
  .filter((f) => only.length === 0 || only.some((o) => f.includes(o)))
  .sort();
console.log(`Machine: ${machine()}`);
let failed = 0;
for (const file of files) {
  const result = spawnSync(process.execPath, [path.join(dir, file)], { encoding: 'utf8', env: { ...process.env, TZ: 'UTC' } });
  if (result.status !== 0) {
    failed++;
    console.log(`${file}: FAILED\n${result.stderr}`);
    continue;
  }
  for (const line of result.stdout.trim().split('\n').filter((l) => l.startsWith('{'))) console.log(`${file}: ${line}`);
}
process.exitCode = failed ? 1 : 0;

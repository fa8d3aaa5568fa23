/** Small helpers shared by the benchmarks: timing statistics and a sample post. */
import fs from 'node:fs';
import os from 'node:os';

/** Median and 95th percentile of a list of milliseconds. */
export function stats(samples: number[]): { median_ms: number; p95_ms: number; runs: number } {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
  const round = (n: number) => Math.round(n * 100) / 100;
  return { median_ms: round(at(0.5)), p95_ms: round(at(0.95)), runs: sorted.length };
}

/** Runs `fn` `runs` times after `warmup` runs and returns the timings. */
export async function time(fn: () => unknown, runs: number, warmup = 5): Promise<number[]> {
  for (let i = 0; i < warmup; i++) await fn();
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    await fn();
    samples.push(performance.now() - start);
  }
  return samples;
}

/** What machine a figure was measured on. */
export function machine(): string {
  const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  return `${cpu}, ${os.cpus().length} cores, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}`;
}

const WORDS = 'the students wrote about rivers and cities while the teacher asked careful questions about evidence structure and voice in every draft they shared with the class'.split(' ');

/** A realistic Markdown post of about `words` words: headings, lists, a table, code, links, hashtags. */
export function samplePost(words = 1500): string {
  const parts: string[] = [];
  let count = 0;
  let n = 0;
  while (count < words) {
    n++;
    const sentence = Array.from({ length: 14 }, (_, i) => WORDS[(n * 7 + i * 3) % WORDS.length]).join(' ');
    if (n % 12 === 1) parts.push(`## Section ${n}\n`);
    if (n % 9 === 0) parts.push(`- ${sentence}\n- [a link](https://example.org/${n}) and **bold** text\n- #eng10 #week-${n % 5}\n`);
    else if (n % 17 === 0) parts.push('```js\nconst total = items.reduce((sum, x) => sum + x, 0);\nconsole.log(total);\n```\n');
    else if (n % 23 === 0) parts.push('| term | meaning |\n| --- | --- |\n| thesis | the claim |\n| evidence | the support |\n');
    else parts.push(`${sentence[0].toUpperCase()}${sentence.slice(1)}. ${sentence} _again_.\n`);
    count += 28;
  }
  return parts.join('\n');
}

/** Processor seconds (user + system) a process has used so far, read from /proc (Linux). */
export function cpuSecondsOf(pid: number): number {
  const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  // After the command name: utime and stime are fields 12 and 13 (from 0), in clock ticks of 1/100 s.
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** Resident memory of a process in MiB, read from /proc (Linux). */
export function rssMiBOf(pid: number): number {
  const line = fs.readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find((l) => l.startsWith('VmRSS:'));
  return Math.round(Number(line?.split(/\s+/)[1] ?? 0) / 1024);
}

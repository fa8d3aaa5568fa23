// Benchmark of the Markdown pipeline on a realistic student post (about 1,500 words with headings, lists, a
// table, code, links, images and hashtags). Rendering happens on every save, so it must stay well under 25 ms.
// Run: node scripts/bench/markdown.bench.ts  (Node 24 strips the types itself.)
import { renderArtifactBody } from '../../src/core/markdown/render.ts';

const warmupRuns = 30;
const measuredRuns = 200;

// A fixed-seed generator, so every run benchmarks the same post.
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const vocabulary = (
  'the a of and to in that it is was for on with as we our this data each students study class week project ' +
  'results method sample water plant growth light soil measured compared graph shows because however therefore ' +
  'first then after while during although model question hypothesis experiment teacher group notes reading ' +
  'source evidence argument claim reflection learned tried again better worse faster slower temperature'
).split(' ');

/** Builds a deterministic Markdown post of roughly `targetWords` words. */
function buildPost(targetWords: number): string {
  const random = seededRandom(20240901);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  const sentence = (words: number): string => {
    const parts = Array.from({ length: words }, () => pick(vocabulary));
    if (random() < 0.25)
      parts.splice(Math.floor(random() * parts.length), 0, pick(['#biology', '#week-3', '#lab-report', '#reflection']));
    if (random() < 0.2) parts.splice(Math.floor(random() * parts.length), 0, `**${pick(vocabulary)}**`);
    if (random() < 0.15)
      parts.push(`[${pick(vocabulary)} ${pick(vocabulary)}](https://example.org/${pick(vocabulary)})`);
    if (random() < 0.1) parts.push(`\`${pick(vocabulary)}()\``);
    const text = parts.join(' ');
    return `${text.charAt(0).toUpperCase()}${text.slice(1)}.`;
  };
  const paragraph = (): string =>
    Array.from({ length: 3 + Math.floor(random() * 3) }, () => sentence(8 + Math.floor(random() * 10))).join(' ');

  const blocks: string[] = ['Growing beans under coloured light — my lab report for #biology #week-3.'];
  let section = 0;
  while (blocks.join(' ').split(/\s+/).length < targetWords) {
    section++;
    blocks.push(`## ${section}. ${sentence(4).replace(/\.$/, '')}`);
    blocks.push(paragraph());
    if (section % 2 === 0) blocks.push(Array.from({ length: 4 }, () => `- ${sentence(6)}`).join('\n'));
    if (section % 3 === 0) blocks.push(`![Bean plants on day ${section}](media:img${section}) ${paragraph()}`);
    if (section === 2) {
      blocks.push(
        '| day | red (cm) | blue (cm) |\n|---:|---:|---:|\n| 1 | 0.4 | 0.5 |\n| 7 | 3.1 | 4.0 |\n| 14 | 7.9 | 9.2 |',
      );
    }
    if (section === 3) {
      blocks.push(
        '```python\nimport statistics\n\nheights = {"red": [0.4, 3.1, 7.9], "blue": [0.5, 4.0, 9.2]}\nfor colour, values in heights.items():\n    # mean growth per colour\n    print(colour, statistics.mean(values))\n```',
      );
    }
    if (section === 4)
      blocks.push(
        '1. [x] Measure plants\n2. [ ] Write conclusion\n\n> The light colour mattered more than I expected.[^1]',
      );
    blocks.push(paragraph());
  }
  blocks.push('[^1]: Measured with the same ruler each day.');
  return blocks.join('\n\n');
}

function percentile(sorted: number[], p: number): number {
  const index = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1);
  return sorted[index] ?? Number.NaN;
}

const source = buildPost(1500);
const check = renderArtifactBody({ source, format: 'markdown' });
if (!check.ok) throw new Error(`The benchmark post did not render: ${JSON.stringify(check.errors)}`);
if (check.wordCount < 1400 || check.wordCount > 1700)
  throw new Error(`The benchmark post has ${check.wordCount} words, expected about 1,500.`);

for (let i = 0; i < warmupRuns; i++) renderArtifactBody({ source, format: 'markdown' });
const times: number[] = [];
for (let i = 0; i < measuredRuns; i++) {
  const start = performance.now();
  renderArtifactBody({ source, format: 'markdown' });
  times.push(performance.now() - start);
}
times.sort((a, b) => a - b);
const round = (ms: number): number => Math.round(ms * 1000) / 1000;
console.log(
  JSON.stringify({
    name: 'render 1,500-word post',
    median_ms: round(percentile(times, 50)),
    p95_ms: round(percentile(times, 95)),
    runs: measuredRuns,
  }),
);

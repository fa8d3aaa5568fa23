// Benchmark of full-text search (src/server/repositories/search.ts) and of what its index adds to a save.
//
// 1. Search: 10,000 artifacts of about 1,500 words each (100 students with 100 pieces each; one teacher with 30 of
//    them in a hub), written straight into the database in transactions so that the migration's triggers index them.
//    The text is generated from a 30,000-word vocabulary with English-like (Zipf) frequencies under a few hundred
//    real function words, so a query meets long and short posting lists as it would on real essays. Several hundred
//    queries of the kinds people type (a word, two words, the start of a word, a quoted phrase, a very common
//    word, a word with a #tag) are timed as a student searching their own work and as the teacher searching "My
//    students". Target from the issue: p95 under 20 ms.
// 2. Saves: the same 1,500-word edit saved through saveArtifact on this database and on a copy of it whose full-text
//    triggers were dropped, alternating between the two, each save a real new revision. Target: the index adds
//    under 20% to the median.
// Run: npm run bench -- search  (Node 24 strips the types itself.)
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { eq } from 'drizzle-orm';
import { saveArtifact } from '../../src/commands/artifactSaver.ts';
import { createUser } from '../../src/commands/userCreator.ts';
import { parseSearchQuery } from '../../src/core/search.ts';
import { loadConfig } from '../../src/server/config.ts';
import { createAppContext, type AppContext } from '../../src/server/context.ts';
import { hubMembers, hubs, users, type User } from '../../src/server/db/schema.ts';
import { searchArtifacts, type SearchScope } from '../../src/server/repositories/search.ts';
import { stats } from './lib.ts';

const STUDENTS = 100;
const PER_STUDENT = 100;
const WORDS_PER_PIECE = 1500;
const TEACHER_STUDENTS = 30;
const SAVES = 60;
// Pieces whose text the queries are drawn from (seven queries each).
const SAMPLES = 60;

// A small deterministic generator, so every run searches the same text.
let seed = 0x2545f491;
function random(): number {
  seed ^= seed << 13;
  seed ^= seed >>> 17;
  seed ^= seed << 5;
  return (seed >>> 0) / 2 ** 32;
}
const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)]!;

const FUNCTION_WORDS =
  'the of and to a in is that it was for on are as with his they at be this from have or by one had not but what all were when we there can an your which their said if do will each about how up out them then she many some so these would other into has more her two like him see time could no make than first been its who now people my made over did down only way find use may water long little very after words called just where most know'.split(' ');
const SYLLABLES = 'ka ri to ne sa mi lo ve da ru pe shi an el or tum bra cle fen gor hal jin kel mor nuv pra quo res sta tri vel wen yor zan lum dor'.split(' ');
const VOCABULARY: string[] = [];
{
  const seen = new Set(FUNCTION_WORDS);
  while (VOCABULARY.length < 30_000) {
    const word = Array.from({ length: 2 + Math.floor(random() * 3) }, () => pick(SYLLABLES)).join('');
    if (!seen.has(word)) {
      seen.add(word);
      VOCABULARY.push(word);
    }
  }
}
// Zipf's law as English follows it: the word of rank r has probability ~ 1/r, function words taking the top ranks
// (about half of all words, as in prose), then the vocabulary. Drawn by inverting the cumulative sum.
const RANKED = [...FUNCTION_WORDS, ...VOCABULARY];
const cumulative: number[] = [];
{
  let sum = 0;
  for (let r = 1; r <= RANKED.length; r++) cumulative.push((sum += 1 / r));
}
function zipfWord(): string {
  const target = random() * cumulative.at(-1)!;
  let lo = 0;
  let hi = cumulative.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (cumulative[mid]! < target) lo = mid + 1;
    else hi = mid;
  }
  return RANKED[lo]!;
}
const word = zipfWord;
const contentWord = (): string => VOCABULARY[Math.floor(random() ** 2 * 5000)]!;
const TAGS = Array.from({ length: 200 }, (_, i) => `${VOCABULARY[i * 37]!}${i}`);

function piece(): { title: string; summary: string; body: string; tags: string[] } {
  const title = Array.from({ length: 3 + Math.floor(random() * 4) }, contentWord).join(' ');
  const summary = Array.from({ length: 12 }, word).join(' ');
  const paragraphs: string[] = [];
  let count = 0;
  while (count < WORDS_PER_PIECE) {
    const n = 40 + Math.floor(random() * 60);
    const words = Array.from({ length: n }, word);
    if (paragraphs.length % 6 === 0) paragraphs.push(`## ${words.slice(0, 4).join(' ')}`);
    if (paragraphs.length % 7 === 3) words.splice(5, 2, `**${words[5]}**`, `[${words[6]}](https://example.org/${words[6]})`);
    paragraphs.push(`${words.join(' ')}.`);
    count += n;
  }
  return { title, summary, body: paragraphs.join('\n\n'), tags: [pick(TAGS), pick(TAGS)] };
}

async function build(app: AppContext): Promise<{ students: User[]; teacher: User; samples: ReturnType<typeof piece>[] }> {
  const students: User[] = [];
  for (let s = 0; s < STUDENTS; s++) students.push(await createUser(app, { handle: `student${s}`, name: `Student ${s}`, role: 'student' }));
  const teacher = await createUser(app, { handle: 'teacher', name: 'Teacher', role: 'teacher' });
  const hubId = app.newId();
  app.db.insert(hubs).values({ id: hubId, slug: 'bench-hub', title: 'Bench hub', tags: ['bench'], createdAt: new Date(), ownerId: teacher.id }).run();
  app.db.insert(hubMembers).values({ hubId, userId: teacher.id, role: 'teacher', joinedAt: new Date(), enrolment: 'owner' }).run();
  for (const s of students.slice(0, TEACHER_STUDENTS)) {
    app.db.insert(hubMembers).values({ hubId, userId: s.id, role: 'student', joinedAt: new Date(), enrolment: 'admin' }).run();
  }
  const insert = app.db.$client.prepare(
    `insert into artifacts (id, owner_id, slug, title, summary, kind, visibility, format, body, html, tags, date, updated_at, created_at, revision)
     values (?, ?, ?, ?, ?, 'post', ?, 'markdown', ?, '', ?, ?, ?, ?, 1)`,
  );
  const samples: ReturnType<typeof piece>[] = [];
  const visibilities = ['private', 'members', 'members', 'public'];
  const started = performance.now();
  for (const student of students) {
    app.db.$client.transaction(() => {
      for (let i = 0; i < PER_STUDENT; i++) {
        const p = piece();
        if (samples.length < SAMPLES && random() < 0.01) samples.push(p);
        const at = Date.UTC(2025, 0, 1) + Math.floor(random() * 3e10);
        insert.run(app.newId(), student.id, `piece-${i}`, p.title, p.summary, pick(visibilities), p.body, JSON.stringify(p.tags), at, at, at);
      }
    })();
  }
  console.error(`indexed ${STUDENTS * PER_STUDENT} artifacts in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  return { students, teacher, samples };
}

/** Queries of the kinds people type, drawn from the text that is really there. */
function queries(samples: ReturnType<typeof piece>[]): string[] {
  const out: string[] = [];
  for (const p of samples) {
    const words = p.body.split(/\s+/).filter((w) => /^[a-z]+$/.test(w) && !FUNCTION_WORDS.includes(w));
    const w1 = pick(words);
    const w2 = pick(words);
    const at = p.body.indexOf(` ${w1} `);
    const following = at >= 0 ? p.body.slice(at + w1.length + 2).split(/\s+/)[0]!.replace(/[^a-z]/g, '') : w2;
    out.push(
      w1,
      `${w1} ${w2}`,
      w1.slice(0, Math.max(3, Math.ceil(w1.length / 2))),
      `"${w1} ${following}"`,
      p.title.split(' ')[0]!,
      `${pick(FUNCTION_WORDS)} ${w1}`,
      `#${p.tags[0]} ${w1}`,
    );
  }
  // A few very common words alone: the longest posting lists there are.
  out.push('the', 'water', 'people', 'time', 'first');
  return out;
}

function timeSearches(app: AppContext, viewer: User, scope: SearchScope, list: string[]) {
  const parsed = list.map(parseSearchQuery);
  for (const q of parsed.slice(0, 20)) searchArtifacts(app, viewer, q, scope);
  const samples: number[] = [];
  const cpu: number[] = [];
  let found = 0;
  for (const q of parsed) {
    const start = performance.now();
    const cpuStart = process.cpuUsage();
    found += searchArtifacts(app, viewer, q, scope).length;
    const used = process.cpuUsage(cpuStart);
    samples.push(performance.now() - start);
    cpu.push((used.user + used.system) / 1000);
  }
  return {
    ...stats(samples),
    max_ms: Math.round(Math.max(...samples) * 100) / 100,
    cpu: cpuStats(cpu),
    mean_results: Math.round((found / parsed.length) * 10) / 10,
  };
}

// Processor time of this process alone, beside the wall-clock figures: on a machine shared with other work (the
// two cores here often are), wall time includes waiting for a core, processor time does not.
function cpuStats(samples: number[]): { median_ms: number; p95_ms: number } {
  const { median_ms, p95_ms } = stats(samples);
  return { median_ms, p95_ms };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function timeSaves(withIndex: AppContext, withoutIndex: AppContext) {
  const body = piece().body;
  const setups = await Promise.all(
    [withIndex, withoutIndex].map(async (app) => {
      const owner = app.db.select().from(users).where(eq(users.handle, 'student0')).get()!;
      const { artifact } = await saveArtifact(app, { ownerId: owner.id, input: { title: 'Bench', kind: 'post', visibility: 'members', body } });
      return { app, owner, id: artifact.id };
    }),
  );
  const timings: [number[], number[]] = [[], []];
  const cpu: [number[], number[]] = [[], []];
  for (let n = 0; n < SAVES + 5; n++) {
    // Alternate which goes first, so neither always meets a warm cache.
    const order = n % 2 === 0 ? [0, 1] : [1, 0];
    for (const i of order) {
      const { app, owner, id } = setups[i]!;
      const start = performance.now();
      const cpuStart = process.cpuUsage();
      await saveArtifact(app, { ownerId: owner.id, artifactId: id, input: { title: 'Bench', kind: 'post', visibility: 'members', body: `${body}\n\nEdit ${n} ${pick(VOCABULARY)}.` } });
      const used = process.cpuUsage(cpuStart);
      if (n >= 5) {
        timings[i]!.push(performance.now() - start);
        cpu[i]!.push((used.user + used.system) / 1000);
      }
    }
  }
  const [indexed, plain] = timings;
  return {
    with_index: stats(indexed),
    without_index: stats(plain),
    added_to_median: `${Math.round((median(indexed) / median(plain) - 1) * 1000) / 10}%`,
    cpu_with_index: cpuStats(cpu[0]),
    cpu_without_index: cpuStats(cpu[1]),
    cpu_added_to_median: `${Math.round((median(cpu[0]) / median(cpu[1]) - 1) * 1000) / 10}%`,
  };
}

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'potluck-bench-search-'));
const copyDir = fs.mkdtempSync(path.join(os.tmpdir(), 'potluck-bench-search-copy-'));
try {
  const app = createAppContext(loadConfig({ POTLUCK_DATA: dataDir }), { migrate: true });
  const { students, teacher, samples } = await build(app);
  const list = queries(samples);
  const student = students[0]!;
  console.log(JSON.stringify({ name: 'load while measuring', loadavg_1min: Math.round(os.loadavg()[0]! * 10) / 10, cores: os.cpus().length }));
  console.log(JSON.stringify({ name: 'search own work (10,000 × 1,500 words)', queries: list.length, ...timeSearches(app, student, { kind: 'own' }, list), target: 'p95 < 20 ms' }));
  console.log(JSON.stringify({ name: `search "My students" (${TEACHER_STUDENTS} students, ${TEACHER_STUDENTS * PER_STUDENT} pieces)`, queries: list.length, ...timeSearches(app, teacher, { kind: 'students' }, list), target: 'p95 < 20 ms' }));

  // The copy without the index's triggers: everything else (rows, indexes, index size on disk) the same.
  app.db.$client.pragma('wal_checkpoint(TRUNCATE)');
  fs.copyFileSync(app.config.databaseFile, path.join(copyDir, path.basename(app.config.databaseFile)));
  const copy = createAppContext(loadConfig({ POTLUCK_DATA: copyDir }));
  for (const trigger of ['artifact_search_insert', 'artifact_search_update', 'artifact_search_delete']) copy.db.$client.exec(`drop trigger ${trigger}`);
  console.log(JSON.stringify({ name: 'save 1,500-word edit, with vs. without the full-text triggers (paired, alternating)', saves: SAVES, ...(await timeSaves(app, copy)), target: 'adds < 20%' }));
  copy.db.$client.close();
  app.db.$client.close();
} finally {
  fs.rmSync(dataDir, { recursive: true, force: true });
  fs.rmSync(copyDir, { recursive: true, force: true });
}

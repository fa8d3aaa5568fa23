/**
 * Shared by the archive export tests: a generated portfolio that uses every feature the archive must carry, zips
 * built byte by byte (so that they can lie and misbehave in ways no zip tool allows), and ways to compare folders,
 * list a data folder and count rows.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import yauzl from 'yauzl';
import { saveArtifact } from '../../../src/commands/artifactSaver.ts';
import { uploadMedia } from '../../../src/commands/mediaUploader.ts';
import { updateProfile } from '../../../src/commands/profileUpdater.ts';
import { restoreRevision } from '../../../src/commands/revisionRestorer.ts';
import { saveShowcase } from '../../../src/commands/showcaseSaver.ts';
import type { AppContext } from '../../../src/server/context.ts';
import { syndications, type Media, type User } from '../../../src/server/db/schema.ts';
import { markdownFor } from '../../../src/server/media/urls.ts';
import { animatedGif, fixture, jpegWithGps, picture } from '../../fixtures/media/generate.ts';
import { makeHub, makeUser } from '../../helpers/factories.ts';

/** What the generated portfolio holds, for assertions. */
export interface RichPortfolio {
  owner: User;
  /** A sentence only this portfolio's texts contain. */
  marker: string;
  media: Media[];
  ids: Record<string, string>;
}

/**
 * Ines's portfolio: every visibility and kind, Markdown and MDX, pictures of four formats (one from a phone, with
 * GPS), attachments with a `#page=` link, a cover, a picture only an old revision shows, the same bytes uploaded
 * twice, a `/media/ID/` link, several revisions and a restore, syndications, a hub membership, showcases, a media
 * library with unused uploads, a profile photo, and an artifact whose address (`con`) Windows cannot use as a
 * folder name.
 */
export async function makeRichPortfolio(app: AppContext, handle = 'ines'): Promise<RichPortfolio> {
  const owner = await makeUser(app, { handle, name: 'Inés Ortega' });
  const marker = `quixotic-marmalade-${handle}`;
  const up = async (name: string, bytes: Buffer, alt = '') => uploadMedia(app, { ownerId: owner.id, file: { name, bytes }, alt });
  const phone = await up('IMG_0042.JPG', await jpegWithGps(), 'The harbour at dawn');
  const png = await up('Chart (final).png', await picture(640, 400, 'png'), 'A bar chart of rainfall');
  const webp = await up('leaf.webp', await picture(300, 200, 'webp'), 'A leaf');
  const gif = await up('spinner.gif', await animatedGif(), 'A spinning star');
  const pdf = await up('Lab Report.pdf', fixture('tiny.pdf'));
  const csv = await up('scores.csv', fixture('scores.csv'));
  const twinBytes = await picture(200, 200, 'jpeg');
  const twinA = await up('twin.jpg', twinBytes, 'Twin A');
  const twinB = await up('twin copy.jpg', twinBytes, 'Twin B');
  const oldPicture = await up('first draft.png', await picture(320, 240, 'png'), 'The first sketch');
  const unusedPicture = await up('unused.jpg', await picture(120, 90, 'jpeg'), 'Never used');
  const unusedPdf = await up('notes.pdf', fixture('tiny.pdf'));
  const avatar = await up('me.png', await picture(96, 96, 'png'), 'Inés');
  const ids: Record<string, string> = {};
  const save = async (key: string, input: Parameters<typeof saveArtifact>[1]['input'], artifactId?: string) => {
    const { artifact } = await saveArtifact(app, { ownerId: owner.id, artifactId: artifactId ?? ids[key], input });
    ids[key] = artifact.id;
    return artifact;
  };
  const day = (n: number) => new Date(Date.UTC(2024, 8, 1 + n, n % 2 ? 14 : 0, n % 2 ? 30 : 0));

  // A post edited three times: the first version showed a picture the later ones do not.
  const essay = { title: 'Rain over the valley', kind: 'post' as const, visibility: 'public' as const, slug: 'rain-over-the-valley', date: day(1) };
  await save('essay', { ...essay, body: `A first draft. ${marker}\n\n${markdownFor(oldPicture)}\n` });
  await save('essay', { ...essay, body: `The second draft, with data. ${marker}\n\n${markdownFor(png)}\n` });
  await save('essay', {
    ...essay,
    summary: 'How much it rained, and what it did to the river.',
    tags: ['science', 'rain'],
    body: `The final essay. ${marker} #fieldwork\n\n${markdownFor(png)}\n\nThe report: [page two](media:${pdf.id}#page=2), the [raw scores](media:${csv.id}).\n\nAnd the old [chart link][chart].\n\n[chart]: /media/${png.id}/\n`,
  });
  await restoreRevision(app, { ownerId: owner.id, artifactId: ids.essay, number: 2 });
  await save('essay', {
    ...essay,
    summary: 'How much it rained, and what it did to the river.',
    tags: ['science', 'rain'],
    body: `The final essay, again. ${marker} #fieldwork\n\n${markdownFor(png)}\n\nThe report: [page two](media:${pdf.id}#page=2).\n`,
  });

  await save('mdx', {
    title: 'Leaf study',
    kind: 'project',
    visibility: 'members',
    format: 'mdx',
    slug: 'leaf-study',
    date: day(2),
    body: `Leaves in autumn. ${marker}\n\n<Figure src="media:${webp.id}" alt="A leaf" caption="Collected in October" />\n`,
  });
  await save('link', { title: 'A good article', kind: 'link', visibility: 'unlisted', slug: 'a-good-article', linkUrl: 'https://example.org/article', date: day(3), body: `Worth reading. ${marker}` });
  await save('private', {
    title: 'Twins',
    kind: 'reflection',
    visibility: 'private',
    slug: 'twins',
    date: day(4),
    body: `Two uploads of the same photo. ${marker}\n\n${markdownFor(twinA)}\n\n${markdownFor(twinB)}\n`,
  });
  await save('cover', {
    title: 'Spinning',
    kind: 'media',
    visibility: 'public',
    slug: 'spinning',
    coverMediaId: phone.id,
    date: day(5),
    body: `From my phone. ${marker}\n\n${markdownFor(gif)}\n`,
  });
  // An address Windows cannot use as a folder name.
  await save('con', { title: 'Con', kind: 'post', visibility: 'public', slug: 'con', date: day(6), body: `Pro and con. ${marker}` });

  const now = new Date();
  app.db.insert(syndications).values({ artifactId: ids.essay, url: 'https://hub.example.org/river', name: 'hub.example.org', createdAt: now }).run();
  app.db.insert(syndications).values({ artifactId: ids.essay, url: 'https://a.example.org/x', name: 'a.example.org', createdAt: new Date(now.getTime() + 1) }).run();

  await saveShowcase(app, {
    ownerId: owner.id,
    input: { title: 'Best of the year', slug: 'best-of-the-year', visibility: 'public', intro: `My favourites. ${marker}`, items: [ids.cover, ids.essay] },
  });
  await saveShowcase(app, { ownerId: owner.id, input: { title: 'Aux', slug: 'aux', visibility: 'private', intro: '', items: [] } });

  updateProfile(app, {
    userId: owner.id,
    input: {
      name: 'Inés Ortega',
      bio: `I write about weather. ${marker}`,
      links: [{ label: 'Blog', url: 'https://ines.example.org/' }],
      avatarMediaId: avatar.id,
      siteTitle: 'Inés writes',
      siteLicense: 'CC BY 4.0',
      noindex: true,
      canonicalBaseUrl: 'https://ines.example.org/portfolio',
    },
  });
  // Nothing of the teacher's or the hub's names contains the student's handle (the deletion test looks for it).
  const teacher = await makeUser(app, { role: 'teacher' });
  makeHub(app, { teacher, students: [owner], slug: `science-${Math.random().toString(36).slice(2, 8)}` });

  return { owner, marker, media: [phone, png, webp, gif, pdf, csv, twinA, twinB, oldPicture, unusedPicture, unusedPdf, avatar], ids };
}

/** Every file under `dir` (recursively), '/'-separated, sorted. */
export function listFiles(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return (fs.readdirSync(dir, { recursive: true, encoding: 'utf8' }) as string[])
    .filter((p) => fs.statSync(path.join(dir, p)).isFile())
    .map((p) => p.split(path.sep).join('/'))
    .sort();
}

/** path -> SHA-256 of every file under the given folders of an archive. */
export function fingerprint(dir: string, tops: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const top of tops) {
    for (const f of listFiles(path.join(dir, top))) {
      out[`${top}/${f}`] = createHash('sha256').update(fs.readFileSync(path.join(dir, top, f))).digest('hex');
    }
  }
  return out;
}

/** Every file and folder in an instance's data folder (names only), to prove that nothing was written. */
export function dataListing(app: AppContext): string[] {
  return (fs.readdirSync(app.config.dataDir, { recursive: true, encoding: 'utf8' }) as string[]).map((p) => p.split(path.sep).join('/')).sort();
}

const TABLES = ['users', 'artifacts', 'revisions', 'artifact_tags', 'artifact_media', 'media', 'showcases', 'showcase_items', 'syndications', 'hubs', 'hub_members', 'sessions'];

/** Row counts of the tables an import writes. */
export function rowCounts(app: AppContext): Record<string, number> {
  return Object.fromEntries(TABLES.map((t) => [t, (app.db.$client.prepare(`select count(*) as n from ${t}`).get() as { n: number }).n]));
}

/** One entry of a hand-built zip. */
export interface RawEntry {
  name: string;
  /** Stored (method 0) unless `deflate` is set. */
  data?: Buffer;
  deflate?: boolean;
  /** Already-deflated data with its real size and CRC (for entries too large to hold inflated). */
  raw?: { compressed: Buffer; size: number; crc: number };
  /** A size to claim instead of the real one (a lying header). */
  declaredSize?: number;
  /** Unix mode in the high 16 bits of the external attributes (e.g. 0o120777 for a symbolic link). */
  unixMode?: number;
  /** External attributes as they are (Windows/DOS made-by). */
  dosAttributes?: number;
}

/**
 * A zip written byte by byte: local headers, data, central directory, end record. Nothing is validated, so names
 * with `..`, backslashes or NUL, duplicates, links and lying sizes come out exactly as asked.
 */
export function buildZip(entries: RawEntry[]): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const e of entries) {
    const name = Buffer.from(e.name, 'utf8');
    let compressed: Buffer;
    let size: number;
    let crc: number;
    let method: number;
    if (e.raw) {
      ({ compressed, size, crc } = e.raw);
      method = 8;
    } else {
      const data = e.data ?? Buffer.alloc(0);
      size = data.length;
      crc = zlib.crc32(data);
      method = e.deflate ? 8 : 0;
      compressed = e.deflate ? zlib.deflateRawSync(data) : data;
    }
    const claimed = e.declaredSize ?? size;
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(0x0800, 6);
    local.writeUInt16LE(method, 8);
    local.writeUInt16LE(0, 10);
    local.writeUInt16LE(0x21, 12);
    local.writeUInt32LE(crc >>> 0, 14);
    local.writeUInt32LE(compressed.length, 18);
    local.writeUInt32LE(claimed >>> 0, 22);
    local.writeUInt16LE(name.length, 26);
    local.writeUInt16LE(0, 28);
    locals.push(local, name, compressed);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(e.unixMode !== undefined ? (3 << 8) | 20 : 20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(0x0800, 8);
    central.writeUInt16LE(method, 10);
    central.writeUInt16LE(0, 12);
    central.writeUInt16LE(0x21, 14);
    central.writeUInt32LE(crc >>> 0, 16);
    central.writeUInt32LE(compressed.length, 20);
    central.writeUInt32LE(claimed >>> 0, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(e.unixMode !== undefined ? (e.unixMode << 16) >>> 0 : (e.dosAttributes ?? 0), 38);
    central.writeUInt32LE(offset, 42);
    centrals.push(central, name);
    offset += 30 + name.length + compressed.length;
  }
  const directory = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, directory, end]);
}

/** `bytes` of zeros, deflated as it streams (never held inflated), with its CRC: the body of a zip bomb. */
export async function deflatedZeros(bytes: number): Promise<{ compressed: Buffer; size: number; crc: number }> {
  const chunk = Buffer.alloc(16 * 1024 * 1024);
  const deflate = zlib.createDeflateRaw({ level: 9 });
  const out: Buffer[] = [];
  deflate.on('data', (c: Buffer) => out.push(c));
  let crc = 0;
  for (let done = 0; done < bytes; done += chunk.length) {
    const part = chunk.subarray(0, Math.min(chunk.length, bytes - done));
    crc = zlib.crc32(part, crc);
    if (!deflate.write(part)) await new Promise((resolve) => deflate.once('drain', resolve));
  }
  await new Promise<void>((resolve) => deflate.end(resolve));
  return { compressed: Buffer.concat(out), size: bytes, crc };
}

/** A minimal valid archive's files (for malicious zips that are otherwise fine). */
export function minimalArchive(handle = 'zed'): RawEntry[] {
  return [
    {
      name: 'potluck.json',
      data: Buffer.from(JSON.stringify({ format: 'potluck-archive/1', exportedAt: '2025-06-01T12:00:00Z', profile: { handle, name: 'Zed' }, site: { title: 'Zed' } })),
    },
    { name: 'artifacts/hello/index.md', data: Buffer.from('---\ntitle: Hello\ndate: 2025-01-02\nvisibility: public\n---\n\nHello.\n') },
  ];
}

/** The user row of a handle (or undefined). */
export function userByHandle(app: AppContext, handle: string) {
  return app.db.$client.prepare('select * from users where handle = ?').get(handle) as { id: string } | undefined;
}

/** Reads every entry of a zip to the end with yauzl (sizes and CRC-32 checked); returns the entry names. */
export async function verifyZip(file: string): Promise<string[]> {
  const zip = await yauzl.openPromise(file);
  const names: string[] = [];
  for await (const entry of zip.eachEntry()) {
    const stream = await zip.openReadStreamPromise(entry);
    let crc = 0;
    for await (const chunk of stream) crc = zlib.crc32(chunk as Buffer, crc);
    if (crc >>> 0 !== entry.crc32 >>> 0) throw new Error(`${entry.fileName}: CRC mismatch`);
    names.push(entry.fileName);
  }
  return names;
}

/**
 * Pictures an older Potluck kept in the data folder (hub thumbnails, authors' pictures of Webmentions) move at start
 * to the media volume, where every node of a district reads them: on the same volume by a rename, onto another
 * volume (a shared mount) by a copy.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/server/config.ts';
import { mentionPhotosDir, moveLegacyPictureFolders, thumbnailPath, thumbnailsDir } from '../../../src/server/hubs/thumbnails.ts';

const made: string[] = [];
afterEach(() => {
  for (const dir of made.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

const HUB_FILE = `${'a'.repeat(40)}.webp`;
const PHOTO_FILE = `${'b'.repeat(40)}.webp`;

function legacyDataFolder(mediaRoot?: string) {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'potluck-pictures-'));
  made.push(dataDir);
  const env: Record<string, string> = { POTLUCK_DATA: dataDir };
  if (mediaRoot) {
    const media = fs.mkdtempSync(path.join(mediaRoot, 'potluck-media-'));
    made.push(media);
    env.POTLUCK_MEDIA_DIR = media;
  }
  const config = loadConfig(env);
  fs.mkdirSync(path.join(dataDir, 'hub-thumbnails'), { recursive: true });
  fs.writeFileSync(path.join(dataDir, 'hub-thumbnails', HUB_FILE), 'hub picture');
  fs.mkdirSync(path.join(dataDir, 'webmention-photos', 'hub-thumbnails'), { recursive: true });
  fs.writeFileSync(path.join(dataDir, 'webmention-photos', 'hub-thumbnails', PHOTO_FILE), 'author picture');
  return config;
}

function expectMoved(config: ReturnType<typeof loadConfig>) {
  expect(fs.readFileSync(thumbnailPath(thumbnailsDir(config), HUB_FILE)!, 'utf8')).toBe('hub picture');
  expect(fs.readFileSync(thumbnailPath(mentionPhotosDir(config), PHOTO_FILE)!, 'utf8')).toBe('author picture');
  expect(fs.existsSync(path.join(config.dataDir, 'hub-thumbnails'))).toBe(false);
  expect(fs.existsSync(path.join(config.dataDir, 'webmention-photos'))).toBe(false);
}

const shm = '/dev/shm';
const otherVolume = fs.existsSync(shm) && fs.statSync(shm).dev !== fs.statSync(os.tmpdir()).dev;

describe('pictures kept in the data folder', () => {
  it('move into the media folder on the same volume, once', async () => {
    const config = legacyDataFolder();
    expect(config.mediaDir.startsWith(config.dataDir)).toBe(true);
    await moveLegacyPictureFolders(config);
    expectMoved(config);
    // A second start finds nothing to move and keeps what is there.
    await moveLegacyPictureFolders(config);
    expectMoved(config);
  });

  it('join what another node moved there already', async () => {
    const config = legacyDataFolder();
    const other = `${'c'.repeat(40)}.webp`;
    fs.mkdirSync(thumbnailsDir(config), { recursive: true });
    fs.writeFileSync(path.join(thumbnailsDir(config), other), 'another node’s picture');
    fs.writeFileSync(path.join(thumbnailsDir(config), HUB_FILE), 'the same picture, made there');
    await moveLegacyPictureFolders(config);
    expect(fs.readFileSync(path.join(thumbnailsDir(config), other), 'utf8')).toBe('another node’s picture');
    // The picture of the same address (the same name) that is there already stays.
    expect(fs.readFileSync(path.join(thumbnailsDir(config), HUB_FILE), 'utf8')).toBe('the same picture, made there');
    expect(fs.readFileSync(thumbnailPath(mentionPhotosDir(config), PHOTO_FILE)!, 'utf8')).toBe('author picture');
    expect(fs.existsSync(path.join(config.dataDir, 'hub-thumbnails'))).toBe(false);
    expect(fs.existsSync(path.join(config.dataDir, 'webmention-photos'))).toBe(false);
  });

  it.skipIf(!otherVolume)('move onto a media volume of its own by copying (/dev/shm here)', async () => {
    const config = legacyDataFolder(shm);
    await moveLegacyPictureFolders(config);
    expectMoved(config);
  });
});

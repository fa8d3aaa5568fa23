/**
 * Sealing secrets at rest (GitHub tokens): AES-256-GCM with a random 96-bit IV, bound to what the secret belongs to
 * (the "context", e.g. the user id) so that a sealed token copied to another row does not open. The key comes from
 * POTLUCK_SECRET when it is set (so several processes or a restored backup agree on it), otherwise from a random
 * 32-byte `secret.key` in the data folder, created once with mode 0600. Losing the key only loses the sealed tokens:
 * the student connects GitHub again.
 */
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { PotluckError } from '../../core/errors.ts';
import type { Config } from '../config.ts';

const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;
/** The name of the key file in the data folder. */
export const KEY_FILE = 'secret.key';

/** The path of the instance key file. */
export function keyFilePath(config: Pick<Config, 'dataDir'>): string {
  return path.join(config.dataDir, KEY_FILE);
}

function keyFromFile(file: string): Buffer {
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  try {
    // 'wx' fails when the file exists, so two processes starting at once never overwrite each other's key.
    fs.writeFileSync(file, randomBytes(KEY_BYTES), { mode: 0o600, flag: 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  const stat = fs.statSync(file);
  // A key readable by others is tightened rather than refused: the owner may have copied it from a backup.
  if ((stat.mode & 0o077) !== 0) fs.chmodSync(file, 0o600);
  const key = fs.readFileSync(file);
  if (key.length !== KEY_BYTES) {
    throw new PotluckError(
      'CONFLICT',
      `The key file ${file} is damaged (it should hold ${KEY_BYTES} bytes). Move it away and connect GitHub again; a new key is made.`,
    );
  }
  return key;
}

/** The 32-byte sealing key of this instance: derived from POTLUCK_SECRET, else the key file (created on first use). */
export function sealingKey(config: Pick<Config, 'dataDir' | 'secret'>): Buffer {
  if (config.secret) return Buffer.from(hkdfSync('sha256', config.secret, 'potluck', 'secret-box/v1', KEY_BYTES));
  return keyFromFile(keyFilePath(config));
}

/** Seals `plain` for `context` (who or what it belongs to): base64(iv | ciphertext | tag). */
export function seal(key: Buffer, plain: string, context: string): string {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(context, 'utf8'));
  const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
  return Buffer.concat([iv, body, cipher.getAuthTag()]).toString('base64');
}

/** Opens what `seal` made for the same context; null when it was sealed with another key or context, or altered. */
export function open(key: Buffer, sealed: string, context: string): string | null {
  const raw = Buffer.from(sealed, 'base64');
  if (raw.length < IV_BYTES + TAG_BYTES) return null;
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(0, IV_BYTES));
    decipher.setAAD(Buffer.from(context, 'utf8'));
    decipher.setAuthTag(raw.subarray(raw.length - TAG_BYTES));
    return Buffer.concat([decipher.update(raw.subarray(IV_BYTES, raw.length - TAG_BYTES)), decipher.final()]).toString('utf8');
  } catch {
    return null;
  }
}

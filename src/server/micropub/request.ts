/**
 * A Micropub request read into one shape, whichever way it was sent (W3C Micropub §3): form-encoded or multipart
 * (`h=entry`, `name`, `category[]`…, files as `photo`), or JSON (`{type, properties}` to create, `{action, url,
 * replace, add, delete}` to change). Property values are always lists, as in microformats2.
 */
import { PotluckError } from '../../core/errors.ts';
import { readTextLimited } from '../http/bodyLimits.ts';
import { readUploadForm, toUploadFile, type UploadFile } from '../media/uploadForm.ts';

export type Properties = Record<string, unknown[]>;

export interface MicropubRequest {
  action: 'create' | 'update' | 'delete' | 'undelete' | string;
  /** The h- type to create, without `h-` (`entry`). */
  type: string;
  properties: Properties;
  /** Uploaded files by property name (`photo`). */
  files: Record<string, UploadFile[]>;
  url: string;
  replace: Properties;
  add: Properties;
  /** A list of property names to remove, or values to remove from properties. */
  remove: string[] | Properties;
  /** The form's `access_token`, when the token came in the body. */
  accessToken: string | null;
}

const MAX_JSON_BYTES = 2 * 1024 * 1024;

function bad(message: string): PotluckError {
  return new PotluckError('VALIDATION', message);
}

function asProperties(value: unknown, what: string): Properties {
  if (value === undefined) return {};
  if (!value || typeof value !== 'object' || Array.isArray(value)) throw bad(`${what} must be an object of properties.`);
  const out: Properties = {};
  for (const [key, list] of Object.entries(value)) {
    if (!Array.isArray(list)) throw bad(`Every property in ${what} must be a list of values (${key} is not).`);
    out[key] = list;
  }
  return out;
}

export async function readMicropubRequest(request: Request): Promise<MicropubRequest> {
  const type = request.headers.get('content-type') ?? '';
  const empty: MicropubRequest = { action: 'create', type: 'entry', properties: {}, files: {}, url: '', replace: {}, add: {}, remove: [], accessToken: null };
  if (/^application\/json/i.test(type)) {
    let doc: Record<string, unknown>;
    try {
      doc = JSON.parse(await readTextLimited(request, MAX_JSON_BYTES, 'This request')) as Record<string, unknown>;
    } catch (error) {
      if (error instanceof PotluckError) throw error;
      throw bad('The JSON body could not be read.');
    }
    if (!doc || typeof doc !== 'object' || Array.isArray(doc)) throw bad('The JSON body must be an object.');
    if (typeof doc.action === 'string') {
      const remove = doc.delete;
      return {
        ...empty,
        action: doc.action,
        url: typeof doc.url === 'string' ? doc.url : '',
        replace: asProperties(doc.replace, '"replace"'),
        add: asProperties(doc.add, '"add"'),
        remove: Array.isArray(remove) ? remove.filter((r): r is string => typeof r === 'string') : asProperties(remove, '"delete"'),
      };
    }
    const types = Array.isArray(doc.type) ? doc.type : [];
    const h = typeof types[0] === 'string' ? types[0].replace(/^h-/, '') : 'entry';
    return { ...empty, type: h, properties: asProperties(doc.properties ?? {}, '"properties"') };
  }

  let entries: [string, FormDataEntryValue][];
  if (/^multipart\/form-data/i.test(type)) {
    entries = [...(await readUploadForm(request)).entries()];
  } else if (/^application\/x-www-form-urlencoded/i.test(type) || type === '') {
    entries = [...new URLSearchParams(await readTextLimited(request, MAX_JSON_BYTES, 'This request'))];
  } else {
    throw new PotluckError('UNSUPPORTED_MEDIA', 'Send Micropub requests as form-encoded, multipart or JSON.');
  }
  const out: MicropubRequest = { ...empty };
  for (const [rawKey, value] of entries) {
    const key = rawKey.replace(/\[\]$/, '');
    if (key === 'access_token') {
      if (typeof value === 'string') out.accessToken = value;
      continue;
    }
    if (key === 'h') {
      if (typeof value === 'string') out.type = value;
      continue;
    }
    if (key === 'action') {
      if (typeof value === 'string') out.action = value;
      continue;
    }
    if (key === 'url' && typeof value === 'string') out.url = value;
    if (typeof value !== 'string') {
      if (value.size === 0 && value.name === '') continue;
      (out.files[key] ??= []).push(await toUploadFile(value));
      continue;
    }
    (out.properties[key] ??= []).push(value);
  }
  return out;
}

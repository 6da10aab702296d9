/**
 * The backend `[Storage] name` chooses: `posix` (the default), `s3`, or the
 * path of a JavaScript module (CommonJS or ESM, relative to the working
 * directory) that exports `createBackend(storageConfig)` or a class, as its
 * default export, constructed with the storage configuration. Anything else
 * fails at start.
 */
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { StorageConfig } from '../config';
import type { StorageBackend } from './backend';
import { PosixBackend } from './posixBackend';
import { S3Backend, type S3Options } from './s3Backend';

export async function loadBackend(storage: StorageConfig): Promise<StorageBackend> {
  const name = storage.name;
  if (name === 'posix') return new PosixBackend({ rootDir: storage.rootDir, stagingDir: storage.stagingDir });
  if (name === 's3') {
    const backend = new S3Backend(s3Options(storage.parameters));
    await backend.check().catch(async (e: unknown) => {
      await backend.close();
      throw e;
    });
    return backend;
  }
  if (/[/\\]|\.[cm]?js$/.test(name)) return loadModule(name, storage);
  throw new Error(`configuration: [Storage] name = ${name} is not a backend: use posix, s3, or the path of a module (./my-backend.js)`);
}

/** `[Storage] parameters` of the s3 backend. */
export function s3Options(p: Record<string, unknown>): S3Options {
  const text = (key: string, required = false): string | undefined => {
    const v = p[key];
    if (v === undefined || v === '') {
      if (required) throw new Error(`configuration: [Storage] name = s3 needs parameters.${key}`);
      return undefined;
    }
    if (typeof v !== 'string') throw new Error(`configuration: [Storage] parameters.${key} must be a string`);
    return v;
  };
  const forcePathStyle = p.force_path_style;
  if (forcePathStyle !== undefined && typeof forcePathStyle !== 'boolean') throw new Error('configuration: [Storage] parameters.force_path_style must be true or false');
  const endpoint = text('endpoint');
  if (endpoint && !/^https?:\/\/[^/]+\/?$/.test(endpoint)) throw new Error(`configuration: [Storage] parameters.endpoint = ${endpoint} is not an http(s)://host[:port] URL`);
  const accessKeyId = text('access_key_id');
  const secretAccessKey = text('secret_access_key');
  if (!accessKeyId !== !secretAccessKey) throw new Error('configuration: [Storage] parameters.access_key_id and secret_access_key go together (or leave both out for the AWS default chain)');
  const prefix = text('prefix') ?? '';
  if (prefix && !/^[A-Za-z0-9._/-]*\/$/.test(prefix)) throw new Error(`configuration: [Storage] parameters.prefix = ${prefix} must end with / and hold only letters, digits and . _ - /`);
  return { bucket: text('bucket', true)!, endpoint, region: text('region'), accessKeyId, secretAccessKey, forcePathStyle, prefix };
}

async function loadModule(modulePath: string, storage: StorageConfig): Promise<StorageBackend> {
  const file = path.resolve(modulePath);
  let mod: Record<string, unknown>;
  try {
    mod = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
  } catch (e) {
    throw new Error(`[Storage] name = ${modulePath}: ${file} could not be loaded: ${(e as Error).message}`);
  }
  const fromDefault = mod.default as Record<string, unknown> | ((...a: unknown[]) => unknown) | undefined;
  const create = (mod.createBackend ?? (fromDefault as Record<string, unknown> | undefined)?.createBackend) as ((c: StorageConfig) => unknown) | undefined;
  let backend: unknown;
  if (typeof create === 'function') backend = await create(storage);
  else if (typeof fromDefault === 'function') backend = new (fromDefault as unknown as new (c: StorageConfig) => unknown)(storage);
  const b = backend as Partial<StorageBackend> | undefined;
  const methods = ['stage', 'commit', 'discard', 'read', 'size', 'copy', 'remove', 'listStaged', 'freeSpace'] as const;
  if (!b || methods.some((m) => typeof b[m] !== 'function')) {
    throw new Error(`[Storage] name = ${modulePath}: ${file} gives no StorageBackend: export createBackend(storageConfig) or a default class, whose object has ${methods.join(', ')}`);
  }
  return b as StorageBackend;
}

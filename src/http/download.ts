/**
 * Sends a data node's bytes: the headers clients rely on (length, type,
 * disposition, ETag/Digest from the MD5, Last-Modified), single byte ranges,
 * HEAD. Used by the storage server's one-shot GET and by /vospace/files (src/rest/files.ts).
 */
import { once } from 'node:events';
import type { Readable, Writable } from 'node:stream';
import { finished, pipeline } from 'node:stream/promises';
import { create as contentDisposition } from 'content-disposition';
import type { Request, Response } from 'express';
import rangeParser from 'range-parser';
import type { Pack } from 'tar-stream';
import type { NodeRecord } from '../domain/node';
import { P } from '../domain/properties';
import type { StorageBackend } from '../storage/backend';

/**
 * Writes the headers and, unless HEAD, the bytes. Resolves once everything is
 * sent; returns false when nothing was streamed (HEAD, or 416).
 */
export async function sendNodeBytes(req: Request, res: Response, node: NodeRecord, backend: StorageBackend): Promise<boolean> {
  const size = node.location ? node.size : 0;
  res.set({
    'Content-Type': node.properties.find((p) => p.uri === P.type)?.value ?? 'application/octet-stream',
    'Content-Disposition': contentDisposition(node.name),
    'Accept-Ranges': 'bytes',
    'Last-Modified': node.mtime.toUTCString(),
  });
  if (node.md5) res.set({ ETag: `"${node.md5}"`, Digest: `md5=${Buffer.from(node.md5, 'hex').toString('base64')}` });
  let range: { start: number; end: number } | undefined;
  if (req.headers.range) {
    const parsed = rangeParser(size, req.headers.range, { combine: true });
    if (parsed === -1) {
      res.status(416).set('Content-Range', `bytes */${size}`).end();
      return false;
    }
    // Several ranges (or a malformed header): the whole object, as RFC 9110 allows.
    if (parsed !== -2 && parsed.length === 1) range = parsed[0];
  }
  const length = range ? range.end - range.start + 1 : size;
  res.status(range ? 206 : 200).set('Content-Length', String(length));
  if (range) res.set('Content-Range', `bytes ${range.start}-${range.end}/${size}`);
  if (req.method === 'HEAD') {
    res.end();
    return false;
  }
  if (node.location && length > 0) await pipeBody(await backend.read(node.location, range), res, length);
  else res.end();
  return true;
}

/** A body whose chunks may be given back once written (src/storage/fileChunks.ts). */
export interface Releasing {
  release(chunk: Buffer): void;
}
export const releasing = (b: unknown): b is Readable & Releasing => typeof (b as Partial<Releasing> | undefined)?.release === 'function';

/**
 * Pipes a body into a response; resolves, with the number of bytes, once every byte is handed to the
 * socket. A client that has the whole body may close the connection before
 * the source has even signalled its end (Connection: close on a loaded
 * machine): that is a finished download, not a failed one.
 */
export async function pipeBody(body: Readable | Pack, res: Writable, length?: number): Promise<number> {
  let handed = 0;
  const count = (chunk: Buffer) => void (handed += chunk.length);
  try {
    if (releasing(body)) await writeReleasing(body, res, count);
    else {
      body.on('data', (chunk: unknown) => count(chunk as Buffer));
      await pipeline(body, res);
    }
  } catch (e) {
    const allOut = res.writableEnded || (length !== undefined && handed >= length);
    if (!allOut || (e as NodeJS.ErrnoException).code !== 'ERR_STREAM_PREMATURE_CLOSE') throw e;
  }
  return handed;
}

/**
 * As pipeline(body, res), giving each chunk back to the body once the socket
 * has written it, so that the body's next reads reuse it. A chunk whose write
 * failed is not given back: the socket may not be done with it.
 */
async function writeReleasing(body: Readable & Releasing, res: Writable, count: (chunk: Buffer) => void): Promise<void> {
  const done = finished(res);
  done.catch(() => undefined); // awaited below; until then a premature close only has to end the wait for 'drain'
  try {
    for await (const chunk of body as AsyncIterable<Buffer>) {
      count(chunk);
      const more = res.write(chunk, (err) => {
        if (!err) body.release(chunk);
      });
      if (!more) await Promise.race([once(res, 'drain'), done]);
    }
    res.end();
    await done;
  } catch (e) {
    body.destroy();
    res.destroy();
    throw e;
  }
}

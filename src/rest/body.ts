/**
 * Reads a request body up to a limit. A declared length over the limit is
 * refused before a byte is read; a chunked body is cut off once it passes it.
 */
import type { Request } from 'express';
import getRawBody from 'raw-body';
import { fault } from '../domain/faults';

export async function readBody(req: Request, limit: number): Promise<Buffer> {
  const declared = req.headers['content-length'];
  if (declared !== undefined && Number(declared) > limit) {
    throw fault('RequestTooLarge', `the document is over the ${limit}-byte limit`);
  }
  try {
    return await getRawBody(req, { limit, length: declared });
  } catch (e) {
    const type = (e as { type?: string }).type;
    if (type === 'entity.too.large') throw fault('RequestTooLarge', `the document is over the ${limit}-byte limit`);
    throw fault('InvalidArgument', `could not read the request body: ${(e as Error).message}`);
  }
}

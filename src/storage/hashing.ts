import { createHash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';

/** Passes bytes through while counting them and computing their MD5. */
export class Md5Counter extends Transform {
  private readonly hash = createHash('md5');
  size = 0;

  _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.hash.update(chunk);
    this.size += chunk.length;
    done(null, chunk);
  }

  /** The digest; call once, after the stream has ended. */
  digest(): Buffer {
    return this.hash.digest();
  }
}

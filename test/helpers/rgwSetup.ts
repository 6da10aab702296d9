/** jest globalSetup of the S3 runs (jest.s3.config.js): one gateway for the whole run. */
import { shareRgw, startRgw } from './rgw';

export default async function setup(): Promise<void> {
  const g = await startRgw();
  shareRgw(g);
  (globalThis as { vospaceRgw?: unknown }).vospaceRgw = g;
}

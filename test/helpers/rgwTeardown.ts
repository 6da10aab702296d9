/** jest globalTeardown of the S3 runs: stops the run's gateway. */
import { stopRgw, type Rgw } from './rgw';

export default async function teardown(): Promise<void> {
  const g = (globalThis as { vospaceRgw?: Rgw }).vospaceRgw;
  if (g) await stopRgw(g);
}

/**
 * A real Ceph RADOS Gateway for the S3 tests (rgwGateway.cjs starts it). A
 * gateway that cannot start fails the tests; nothing is skipped.
 *
 * globalSetup (test/helpers/rgwSetup.ts) starts one per run and hands it to
 * the test workers in VOSPACE_TEST_S3_*; a suite run without it starts its own.
 */
import { CreateBucketCommand } from '@aws-sdk/client-s3';
import { s3Client, startGateway, stopGateway, type Gateway } from './rgwGateway.cjs';

export type Rgw = Gateway;
export { s3Client };

const ACCESS_KEY = 'vospace-test';
const SECRET_KEY = 'vospace-test-secret';

export const startRgw = (): Promise<Rgw> => startGateway({ accessKeyId: ACCESS_KEY, secretAccessKey: SECRET_KEY });
export const stopRgw = stopGateway;

/** The run's gateway (from globalSetup), if there is one. */
export function sharedRgw(): Rgw | undefined {
  const e = process.env;
  if (!e.VOSPACE_TEST_S3_ENDPOINT) return undefined;
  return { endpoint: e.VOSPACE_TEST_S3_ENDPOINT, accessKeyId: e.VOSPACE_TEST_S3_KEY!, secretAccessKey: e.VOSPACE_TEST_S3_SECRET!, dir: e.VOSPACE_TEST_S3_DIR! };
}

export function shareRgw(g: Rgw): void {
  Object.assign(process.env, { VOSPACE_TEST_S3_ENDPOINT: g.endpoint, VOSPACE_TEST_S3_KEY: g.accessKeyId, VOSPACE_TEST_S3_SECRET: g.secretAccessKey, VOSPACE_TEST_S3_DIR: g.dir });
}

/** A new bucket for one suite or service: suites share the gateway, not their objects. */
export async function newBucket(g: Rgw): Promise<string> {
  const bucket = `t-${process.pid}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
  const client = s3Client(g);
  try {
    await client.send(new CreateBucketCommand({ Bucket: bucket }));
  } finally {
    client.destroy();
  }
  return bucket;
}

// A real Ceph RADOS Gateway for the s3 part of bench/run.mjs, started by the same code as the
// S3 tests' (test/helpers/rgwGateway.cjs), its in-memory OSD capped at the bench's size, and a bucket.
import { CreateBucketCommand } from '@aws-sdk/client-s3';
import { cleanups } from './lib.mjs';
import { s3Client, startGateway, stopGateway } from '../test/helpers/rgwGateway.cjs';

/**
 * Starts the gateway; resolves with { endpoint, accessKeyId, secretAccessKey, dir, bucket, memBytes }.
 * Its daemons are stopped at the bench's exit (cleanups) even if it is interrupted while starting.
 */
export async function startRgw({ memBytes }) {
  const g = await startGateway({
    accessKeyId: 'vospace-bench', secretAccessKey: 'vospace-bench-secret', memBytes, prefix: 'vospace-bench-rgw-',
    started: (gw) => cleanups.push(() => stopGateway(gw)),
  });
  const bucket = `bench-${Date.now().toString(36)}`;
  const s3 = s3Client(g);
  try {
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  } finally {
    s3.destroy();
  }
  return { ...g, bucket, memBytes };
}

export const stopRgw = stopGateway;

/** [Storage] parameters of the s3 backend for this gateway. */
export const s3Parameters = (g) => ({ endpoint: g.endpoint, bucket: g.bucket, region: 'us-east-1', access_key_id: g.accessKeyId, secret_access_key: g.secretAccessKey, force_path_style: true, prefix: '', endpoint_ttl: 3600 });

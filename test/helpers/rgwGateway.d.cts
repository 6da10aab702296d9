import type { S3Client } from '@aws-sdk/client-s3';

/** A running gateway: its address, its user's keys, and the directory rgw.sh keeps it in. */
export interface Gateway {
  endpoint: string;
  accessKeyId: string;
  secretAccessKey: string;
  dir: string;
}

export const RGW_SH: string;
export function s3Client(g: Gateway): S3Client;
export function startGateway(opts: {
  accessKeyId: string;
  secretAccessKey: string;
  memBytes?: number;
  prefix?: string;
  started?: (g: Gateway) => void;
}): Promise<Gateway>;
export function stopGateway(g: Gateway): Promise<void>;

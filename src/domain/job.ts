/** UWS 1.1 jobs as the service keeps them. */
import type { FaultName } from './faults';
import type { PropertyChange } from './properties';
import type { Transfer } from './transfer';

export const PHASES = ['PENDING', 'QUEUED', 'EXECUTING', 'COMPLETED', 'ERROR', 'ABORTED', 'UNKNOWN', 'HELD', 'SUSPENDED', 'ARCHIVED'] as const;
export type Phase = (typeof PHASES)[number];

/** Phases a job never leaves. */
export const FINAL_PHASES: ReadonlySet<Phase> = new Set(['COMPLETED', 'ERROR', 'ABORTED', 'ARCHIVED']);
/** Phases during which ?WAIT= blocks. */
export const ACTIVE_PHASES: ReadonlySet<Phase> = new Set(['PENDING', 'QUEUED', 'EXECUTING']);

export const isPhase = (s: string): s is Phase => (PHASES as readonly string[]).includes(s);

/** What a job does: a transfer (/transfers), or a recursive delete or property change of a subtree. */
export const JOB_KINDS = ['transfer', 'delete', 'setprops'] as const;
export type JobKind = (typeof JOB_KINDS)[number];
export type RecursiveKind = Exclude<JobKind, 'transfer'>;

export interface JobResult {
  id: string;
  /** Path below the service base (e.g. /transfers/ID/results/transferDetails) or an absolute URL. */
  href: string;
}

export interface JobError {
  fault: FaultName;
  message: string;
}

/** What a data transfer negotiated: the endpoints handed out. */
export interface NegotiatedProtocol {
  uri: string;
  endpoint: string;
  securityMethod?: string;
}

/** What every job has, whatever its kind. */
interface UwsJob {
  id: string;
  ownerId: number | null;
  owner: string | null;
  runId: string | null;
  phase: Phase;
  createdAt: Date;
  startTime: Date | null;
  endTime: Date | null;
  /** Seconds; 0 = unlimited. */
  executionDuration: number;
  destruction: Date;
  results: JobResult[];
  error: JobError | null;
}

/** A transfer job: a negotiated data transfer, or a move or copy. */
export interface Job extends UwsJob {
  kind: 'transfer';
  transfer: Transfer;
  /** Filled on negotiation of a data transfer. */
  protocols: NegotiatedProtocol[];
  /** A push to a node that did not exist: the data node its negotiation made, removed again if the push ends without bytes. */
  createdNode: number | null;
  endpointUsed: boolean;
}

/** A recursive job: delete, or set `properties` on, the node at `target` and everything below it. */
export interface RecursiveJob extends UwsJob {
  kind: RecursiveKind;
  /** Path of the top node. */
  target: string;
  /** For setprops: the changes (a null value deletes). */
  properties: PropertyChange[];
}

/** A job of any kind. */
export type AnyJob = Job | RecursiveJob;

/** The results of a finished recursive job: how many nodes it changed, and how many it had to leave alone. */
export function countResults(success: number, error: number): JobResult[] {
  return [
    { id: 'successcount', href: `final:${success}` },
    { id: 'errorcount', href: `final:${error}` },
  ];
}

/** A count among a job's results (`successcount`, `errorcount`), or null when it has none. */
export function resultCount(job: AnyJob, id: string): number | null {
  const m = /^final:(\d+)$/.exec(job.results.find((r) => r.id === id)?.href ?? '');
  return m ? Number(m[1]) : null;
}

/** Most jobs one list gives, on every face: a UWS job list (with or without LAST), GraphQL jobs(first), an admin's failed jobs. */
export const MAX_JOB_LIST = 1000;

/** Absolute href for a result (stored relative to the service base). */
export const resultHref = (base: string, href: string) => (/^[a-z]+:/i.test(href) ? href : `${base}${href}`);

/** UWS 1.1 jobs as the service keeps them. */
import type { FaultName } from './faults';
import type { Transfer } from './transfer';

export const PHASES = ['PENDING', 'QUEUED', 'EXECUTING', 'COMPLETED', 'ERROR', 'ABORTED', 'UNKNOWN', 'HELD', 'SUSPENDED', 'ARCHIVED'] as const;
export type Phase = (typeof PHASES)[number];

/** Phases a job never leaves. */
export const FINAL_PHASES: ReadonlySet<Phase> = new Set(['COMPLETED', 'ERROR', 'ABORTED', 'ARCHIVED']);
/** Phases during which ?WAIT= blocks. */
export const ACTIVE_PHASES: ReadonlySet<Phase> = new Set(['PENDING', 'QUEUED', 'EXECUTING']);

export const isPhase = (s: string): s is Phase => (PHASES as readonly string[]).includes(s);

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

export interface Job {
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
  transfer: Transfer;
  /** Filled on negotiation of a data transfer. */
  protocols: NegotiatedProtocol[];
  /** A push to a node that did not exist: the data node its negotiation made, removed again if the push ends without bytes. */
  createdNode: number | null;
  results: JobResult[];
  error: JobError | null;
  endpointUsed: boolean;
}

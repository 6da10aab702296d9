/** Waiting for a job that carries on after the mutation that made it (move, copy, rename). */
import { ApiError, subscribe } from '../api/client';
import { graphql } from '../gql';

const JobPhaseSubscription = graphql(`
  subscription WatchJob($id: String!) {
    jobPhase(id: $id) {
      id
      phase
      successCount
      errorCount
      error {
        fault
        message
      }
    }
  }
`);

export const FINAL_PHASES = ['COMPLETED', 'ERROR', 'ABORTED'];

/** A job's error as the fault it is, worded as the service words faults (`QuotaExceeded: …`). */
export function jobFault(error: { fault: string; message: string }): ApiError {
  return new ApiError(error.message.startsWith(`${error.fault}:`) ? error.message : `${error.fault}: ${error.message}`, error.fault);
}

/** Resolves when the job has COMPLETED (with a recursive job's counts); rejects with its fault when it ends in ERROR or ABORTED. */
export function finishJob(id: string): Promise<{ successCount?: number | null; errorCount?: number | null }> {
  return new Promise((resolve, reject) => {
    let done = false;
    const stop = subscribe(
      JobPhaseSubscription,
      { id },
      ({ jobPhase: job }) => {
        if (done || !FINAL_PHASES.includes(job.phase)) return;
        done = true;
        queueMicrotask(stop);
        if (job.phase === 'COMPLETED') resolve(job);
        else if (job.error) reject(jobFault(job.error));
        else reject(new ApiError(`the job ended ${job.phase}`, job.phase));
      },
      (e) => {
        done = true;
        reject(e);
      },
    );
  });
}

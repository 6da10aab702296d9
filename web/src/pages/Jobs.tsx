/** The caller's jobs, paged through the cursor, each active one followed live (jobPhase) and abortable. */
import { useCallback, useEffect, useState } from 'react';
import { request, subscribe, type ApiError } from '../api/client';
import { graphql } from '../gql';
import type { JobFieldsFragment } from '../gql/graphql';
import { Alert } from '../ui/Alert';
import { formatTime } from '../ui/format';

graphql(`
  fragment JobFields on Job {
    id
    kind
    target
    direction
    phase
    creationTime
    successCount
    errorCount
    error {
      fault
      message
    }
  }
`);

const JobsQuery = graphql(`
  query Jobs($first: Int!, $cursor: String) {
    jobs(first: $first, cursor: $cursor) {
      edges {
        node {
          ...JobFields
        }
      }
      pageInfo {
        hasNextPage
        endCursor
      }
    }
  }
`);

const JobPhaseSubscription = graphql(`
  subscription JobPhase($id: String!) {
    jobPhase(id: $id) {
      ...JobFields
    }
  }
`);

const AbortJobMutation = graphql(`
  mutation AbortJob($id: String!) {
    abortJob(id: $id) {
      ...JobFields
    }
  }
`);

const PAGE = 50;
const FINAL = new Set(['COMPLETED', 'ERROR', 'ABORTED', 'ARCHIVED']);
const isActive = (j: JobFieldsFragment) => !FINAL.has(j.phase);

export function JobsPage() {
  /** Cursors of the pages before this one (null: the first page), and this page's. */
  const [cursors, setCursors] = useState<(string | null)[]>([null]);
  const [page, setPage] = useState<{ jobs: JobFieldsFragment[]; next: string | null } | null>(null);
  const [error, setError] = useState<unknown>(null);
  const cursor = cursors[cursors.length - 1];

  const load = useCallback(() => {
    setError(null);
    request(JobsQuery, { first: PAGE, cursor }).then(
      (d) => setPage({ jobs: d.jobs.edges.map((e) => e.node), next: d.jobs.pageInfo.hasNextPage ? (d.jobs.pageInfo.endCursor ?? null) : null }),
      setError,
    );
  }, [cursor]);
  useEffect(load, [load]);

  return (
    <main className="jobs">
      <h1>Jobs</h1>
      <p>Your transfers and recursive jobs, oldest first; active ones update as they run.</p>
      <div className="toolbar">
        <button type="button" onClick={load}>
          Refresh
        </button>
        <button type="button" disabled={cursors.length < 2} onClick={() => setCursors((c) => c.slice(0, -1))}>
          Previous page
        </button>
        <button type="button" disabled={!page?.next} onClick={() => page?.next && setCursors((c) => [...c, page.next])}>
          Next page
        </button>
      </div>
      <Alert error={error} />
      {page && (
        <table>
          <caption>{page.jobs.length === 0 ? 'No jobs.' : `${page.jobs.length} jobs on this page`}</caption>
          <thead>
            <tr>
              <th scope="col">Id</th>
              <th scope="col">Kind</th>
              <th scope="col">Target</th>
              <th scope="col">Direction</th>
              <th scope="col">Phase</th>
              <th scope="col">Created</th>
              <th scope="col">Error</th>
              <th scope="col">
                <span className="sr-only">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {page.jobs.map((j) => (
              <JobRow key={j.id} job={j} onError={setError} />
            ))}
          </tbody>
        </table>
      )}
    </main>
  );
}

function JobRow({ job, onError }: { job: JobFieldsFragment; onError(e: unknown): void }) {
  const [live, setLive] = useState(job);
  const [aborting, setAborting] = useState(false);
  useEffect(() => setLive(job), [job]);
  const followed = isActive(job);
  useEffect(() => {
    if (!followed) return;
    return subscribe(JobPhaseSubscription, { id: job.id }, (d) => setLive(d.jobPhase), (e: ApiError) => onError(e));
  }, [job.id, followed, onError]);

  async function abort() {
    setAborting(true);
    try {
      setLive((await request(AbortJobMutation, { id: job.id })).abortJob);
    } catch (e) {
      onError(e);
    } finally {
      setAborting(false);
    }
  }

  const counts = live.successCount != null ? `${live.successCount} done, ${live.errorCount ?? 0} left alone` : null;
  return (
    <tr aria-label={`Job ${live.id}`}>
      <td>
        <code>{live.id}</code>
      </td>
      <td>{live.kind}</td>
      <td className="uri">{live.target}</td>
      <td className="uri">{live.direction ?? ''}</td>
      <td>
        <span className={`phase phase-${live.phase.toLowerCase()}`}>{live.phase}</span>
        {counts && <div className="counts">{counts}</div>}
      </td>
      <td>{formatTime(live.creationTime)}</td>
      <td>{live.error && `${live.error.fault}: ${live.error.message}`}</td>
      <td>
        {isActive(live) && (
          <button type="button" disabled={aborting} onClick={() => void abort()}>
            Abort
          </button>
        )}
      </td>
    </tr>
  );
}

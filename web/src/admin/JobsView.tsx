/** Jobs: how many are in each phase (a chart and its table), and the latest that failed. */
import { request } from '../api/client';
import { graphql } from '../gql';
import { Alert } from '../ui/Alert';
import { formatTime } from '../ui/format';
import { BarChart } from './BarChart';
import { useLoad } from './useLoad';

/** How many failed jobs the page lists. */
const FAILED = 20;

const JobsQuery = graphql(`
  query AdminJobs($last: Int!) {
    jobPhaseCounts {
      phase
      count
    }
    failedJobs(last: $last) {
      id
      owner
      creationTime
      endTime
      fault
      message
    }
  }
`);

export function JobsView() {
  const { data, error } = useLoad(() => request(JobsQuery, { last: FAILED }), []);
  const counts = data?.jobPhaseCounts ?? [];
  return (
    <section aria-labelledby="admin-jobs">
      <h1 id="admin-jobs">Jobs</h1>
      <Alert error={error} />
      {data && (
        <>
          <h2>By phase</h2>
          <BarChart label="Jobs per phase (the table below lists them)" labels={counts.map((c) => c.phase)} series={[{ label: 'Jobs', data: counts.map((c) => c.count) }]} />
          <table aria-label="Jobs per phase">
            <thead>
              <tr>
                <th scope="col">Phase</th>
                <th scope="col">Jobs</th>
              </tr>
            </thead>
            <tbody>
              {counts.map((c) => (
                <tr key={c.phase}>
                  <th scope="row">{c.phase}</th>
                  <td>{c.count}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <h2>Latest failed</h2>
          {data.failedJobs.length === 0 ? (
            <p>No job has failed.</p>
          ) : (
            <table aria-label={`The latest ${FAILED} failed jobs`}>
              <thead>
                <tr>
                  <th scope="col">Job</th>
                  <th scope="col">Owner</th>
                  <th scope="col">Created</th>
                  <th scope="col">Ended</th>
                  <th scope="col">Fault</th>
                  <th scope="col">Message</th>
                </tr>
              </thead>
              <tbody>
                {data.failedJobs.map((j) => (
                  <tr key={j.id}>
                    <th scope="row">{j.id}</th>
                    <td>{j.owner ?? 'anonymous'}</td>
                    <td>{formatTime(j.creationTime)}</td>
                    <td>{j.endTime ? formatTime(j.endTime) : '—'}</td>
                    <td>{j.fault ?? '—'}</td>
                    <td>{j.message ?? ''}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </>
      )}
    </section>
  );
}

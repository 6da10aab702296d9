/** Usage: bytes per user, and per child container of a path (with quotas), each as a chart and the table that is its text. */
import { useState, type FormEvent } from 'react';
import { request } from '../api/client';
import { graphql } from '../gql';
import { Alert } from '../ui/Alert';
import { formatBytes } from '../ui/format';
import { BarChart } from './BarChart';
import { Bytes } from './Bytes';
import { useLoad } from './useLoad';

const UsageQuery = graphql(`
  query AdminUsage($path: String!) {
    usageByUser {
      user
      nodes
      dataNodes
      bytes
    }
    containerUsage(path: $path, children: true) {
      container {
        path
        nodes
        bytes
        quota
        bytesLeft
      }
      children {
        path
        nodes
        bytes
        quota
        bytesLeft
      }
    }
  }
`);

export function UsageView() {
  const [path, setPath] = useState('/');
  const { data, error } = useLoad(() => request(UsageQuery, { path }), [path]);
  function show(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    setPath(String(new FormData(e.currentTarget).get('path')).trim() || '/');
  }
  const users = data?.usageByUser ?? [];
  const report = data?.containerUsage;
  const rows = report ? [report.container, ...report.children] : [];
  return (
    <section aria-labelledby="admin-usage">
      <h1 id="admin-usage">Usage</h1>
      <Alert error={error} />
      {data && (
        <>
          <h2>Per user</h2>
          <BarChart label="Bytes owned per user (the table below lists them)" labels={users.map((u) => u.user)} series={[{ label: 'Bytes', data: users.map((u) => u.bytes) }]} format={formatBytes} />
          <table aria-label="Usage per user">
            <thead>
              <tr>
                <th scope="col">User</th>
                <th scope="col">Nodes</th>
                <th scope="col">Data nodes</th>
                <th scope="col">Bytes</th>
              </tr>
            </thead>
            <tbody>
              {users.map((u) => (
                <tr key={u.user}>
                  <th scope="row">{u.user}</th>
                  <td>{u.nodes}</td>
                  <td>{u.dataNodes}</td>
                  <td>
                    <Bytes n={u.bytes} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
      <h2>Per container</h2>
      <form onSubmit={show} className="inline">
        <label>
          Path
          <input name="path" defaultValue={path} />
        </label>
        <button type="submit">Show</button>
      </form>
      {report && (
        <>
          <BarChart
            label={`Bytes and quota of ${report.container.path} and its child containers (the table below lists them)`}
            labels={rows.map((r) => r.path)}
            series={[
              { label: 'Bytes', data: rows.map((r) => r.bytes) },
              ...(rows.some((r) => r.quota != null) ? [{ label: 'Quota', data: rows.map((r) => r.quota ?? null) }] : []),
            ]}
            format={formatBytes}
          />
          <table aria-label="Usage per container">
            <thead>
              <tr>
                <th scope="col">Container</th>
                <th scope="col">Nodes</th>
                <th scope="col">Bytes</th>
                <th scope="col">Quota</th>
                <th scope="col">Left</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((r) => (
                <tr key={r.path}>
                  <th scope="row">{r.path}</th>
                  <td>{r.nodes}</td>
                  <td>
                    <Bytes n={r.bytes} />
                  </td>
                  <td>
                    <Bytes n={r.quota} />
                  </td>
                  <td>
                    <Bytes n={r.bytesLeft} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
    </section>
  );
}

/** Placeholder until the jobs view lands. */
export function JobsPage() {
  return <h1>Jobs</h1>;
}

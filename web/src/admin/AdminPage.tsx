/** Placeholder until the admin pages land. */
export default function AdminPage() {
  return <h1>Admin</h1>;
}

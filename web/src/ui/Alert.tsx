/** Errors (wrong sign-in, permission, conflict, quota) as an alert a screen reader announces. */
export function Alert({ error }: { error: unknown }) {
  if (!error) return null;
  const text = error instanceof Error ? error.message : String(error);
  return (
    <p role="alert" className="alert">
      {text}
    </p>
  );
}

/** A dialog holding one form: its confirm button is named after the action, disabled while sending; the service's refusal shows in an alert. */
import { useState, type FormEvent, type ReactNode } from 'react';
import { Alert } from '../ui/Alert';
import { Dialog } from '../ui/Dialog';

export function FormDialog({ title, action, onSubmit, onClose, children }: {
  title: string;
  /** The confirm button's name. */
  action: string;
  /** Throws to keep the dialog open with the error shown. */
  onSubmit(form: FormData): Promise<void>;
  onClose(): void;
  children: ReactNode;
}) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  async function submit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await onSubmit(new FormData(e.currentTarget));
    } catch (err) {
      setError(err);
      setBusy(false);
    }
  }
  return (
    <Dialog title={title} onClose={onClose}>
      <form onSubmit={submit} className="fields" aria-busy={busy}>
        {children}
        <Alert error={error} />
        <div className="buttons">
          <button type="submit" disabled={busy}>
            {action}
          </button>
          <button type="button" onClick={onClose}>
            Cancel
          </button>
        </div>
      </form>
    </Dialog>
  );
}

/** The names in a comma-separated field, trimmed, empty ones left out. */
export const splitNames = (v: FormDataEntryValue | null) =>
  String(v ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

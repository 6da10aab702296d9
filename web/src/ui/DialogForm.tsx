/**
 * A Dialog holding one form: its fields, an alert for the fault the action
 * met, `Cancel`, and a confirm button named after the action (disabled while
 * it runs). `onSubmit` throws to show a fault and keep the dialog open.
 */
import { useState, type FormEvent, type ReactNode } from 'react';
import { Alert } from './Alert';
import { Dialog } from './Dialog';

interface Props {
  title: string;
  /** The confirm button's name: the action (Create, Rename, Move, Delete, …). */
  action: string;
  alert?: boolean;
  onSubmit(form: FormData): Promise<void>;
  onCancel(): void;
  children: ReactNode;
}

export function DialogForm({ title, action, alert, onSubmit, onCancel, children }: Props) {
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
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
    <Dialog title={title} alert={alert} onClose={onCancel}>
      <form className="dialog-form" onSubmit={submit}>
        {children}
        <Alert error={error} />
        <div className="buttons">
          <button type="button" onClick={onCancel}>
            Cancel
          </button>
          <button type="submit" disabled={busy} aria-busy={busy}>
            {action}
          </button>
        </div>
      </form>
    </Dialog>
  );
}

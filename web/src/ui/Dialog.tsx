/**
 * A modal dialog on the native <dialog> element (focus kept inside, Escape
 * closes): role "dialog", or "alertdialog" for a confirmation of something
 * that cannot be undone. Named by its title.
 */
import { useEffect, useId, useRef, type ReactNode } from 'react';

export function Dialog({ title, alert = false, onClose, children }: { title: string; alert?: boolean; onClose(): void; children: ReactNode }) {
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  useEffect(() => {
    const d = ref.current;
    if (d && !d.open) d.showModal();
    return () => d?.close();
  }, []);
  return (
    <dialog
      ref={ref}
      role={alert ? 'alertdialog' : undefined}
      aria-labelledby={titleId}
      onCancel={(e) => {
        e.preventDefault();
        onClose();
      }}
    >
      <h2 id={titleId}>{title}</h2>
      {children}
    </dialog>
  );
}

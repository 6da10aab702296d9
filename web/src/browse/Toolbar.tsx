/** The actions on the selected rows, or on the current folder when none is selected; what does not apply is disabled. */
export type Action = 'new' | 'upload' | 'rename' | 'move' | 'copy' | 'delete' | 'properties' | 'share' | 'link';

const BUTTONS: { action: Action; label: string; applies(selected: number, canWrite: boolean): boolean }[] = [
  { action: 'new', label: 'New folder', applies: (_, w) => w },
  { action: 'upload', label: 'Upload', applies: (_, w) => w },
  { action: 'rename', label: 'Rename', applies: (n) => n === 1 },
  { action: 'move', label: 'Move', applies: (n) => n > 0 },
  { action: 'copy', label: 'Copy', applies: (n) => n > 0 },
  { action: 'delete', label: 'Delete', applies: (n) => n > 0 },
  { action: 'properties', label: 'Properties', applies: (n) => n <= 1 },
  { action: 'share', label: 'Share', applies: (n) => n <= 1 },
  { action: 'link', label: 'Link', applies: (_, w) => w },
];

export function Toolbar({ selected, canWrite, onAction }: { selected: number; canWrite: boolean; onAction(a: Action): void }) {
  return (
    <div role="toolbar" aria-label="Actions" className="toolbar">
      {BUTTONS.map((b) => (
        <button key={b.action} type="button" disabled={!b.applies(selected, canWrite)} onClick={() => onAction(b.action)}>
          {b.label}
        </button>
      ))}
    </div>
  );
}

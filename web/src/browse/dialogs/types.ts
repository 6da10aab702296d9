/** What the browse toolbar hands a dialog: the node it acts on, and how to say it is done. */
export interface NodeDialogProps {
  /** Path of the node (the selected row, or the current container when none is selected), no leading '/'. */
  path: string;
  /** changed: the listing should be loaded again. */
  onClose(changed: boolean): void;
}

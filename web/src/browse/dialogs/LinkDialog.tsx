/** Placeholder until the Link dialog lands. */
import { Dialog } from '../../ui/Dialog';
import type { NodeDialogProps } from './types';

export function LinkDialog({ onClose }: NodeDialogProps) {
  return <Dialog title="Link" onClose={() => onClose(false)}>{null}</Dialog>;
}

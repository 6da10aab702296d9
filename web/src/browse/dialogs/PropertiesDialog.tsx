/** Placeholder until the Properties dialog lands. */
import { Dialog } from '../../ui/Dialog';
import type { NodeDialogProps } from './types';

export function PropertiesDialog({ onClose }: NodeDialogProps) {
  return <Dialog title="Properties" onClose={() => onClose(false)}>{null}</Dialog>;
}

/** Placeholder until the Share dialog lands. */
import { Dialog } from '../../ui/Dialog';
import type { NodeDialogProps } from './types';

export function ShareDialog({ onClose }: NodeDialogProps) {
  return <Dialog title="Share" onClose={() => onClose(false)}>{null}</Dialog>;
}

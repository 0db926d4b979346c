import { defineSignal } from '@temporalio/workflow';

/** Something may be due: new deliveries were written, a person resent one, or the worker's periodic nudge. */
export const wakeDispatcherSignal = defineSignal('wakeDispatcher');
/** The dispatcher found something due for this sender's target. */
export const wakeSenderSignal = defineSignal('wakeSender');

/**
 * Delivery of notifications to SMS, e-mail and robots, on its own task queue. The outbox
 * (`deliveries`) is the schedule: the dispatcher plans pending rows into their send windows and
 * hands each target with something due to that target's sender; a sender sends its target's due
 * rows as one message at a time, so a robot's throttling (nextRetryDelay) holds up that robot only.
 * Both carry ids only; addresses are opened inside the activities.
 */
import { condition, continueAsNew, proxyActivities, setHandler, sleep, workflowInfo, allHandlersFinished } from '@temporalio/workflow';
import type { DeliveryActivities } from '../activities/deliveries.js';
import { MAX_SEND_ATTEMPTS, ROBOT_SPACING_MS } from '../domain/delivery.js';
import { wakeDispatcherSignal, wakeSenderSignal } from './delivery-messages.js';

const { dispatchDeliveries, dueDeliveries } = proxyActivities<DeliveryActivities>({
  startToCloseTimeout: '2 minutes',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
});

const { sendDeliveries } = proxyActivities<DeliveryActivities>({
  // A provider that hangs is cut by the notifier's own timeout well before this; a dead worker is
  // noticed by its missing heartbeats.
  startToCloseTimeout: '2 minutes',
  heartbeatTimeout: '20 seconds',
  retry: { initialInterval: '30 seconds', backoffCoefficient: 2, maximumInterval: '10 minutes', maximumAttempts: MAX_SEND_ATTEMPTS },
});

const ROUNDS_PER_RUN = 200;

/**
 * Sleeps until woken or until the next scheduled window opens; with nothing scheduled it waits for
 * a signal only (no polling timer: the time-skipping test server skips straight to real work).
 */
export async function deliveryDispatcherWorkflow(): Promise<void> {
  const wake = { requested: false };
  setHandler(wakeDispatcherSignal, () => {
    wake.requested = true;
  });
  for (let round = 0; round < ROUNDS_PER_RUN && !workflowInfo().continueAsNewSuggested; round++) {
    wake.requested = false;
    const { more, nextAt } = await dispatchDeliveries();
    if (more) continue;
    if (nextAt) await condition(() => wake.requested, Math.max(1, Date.parse(nextAt) - Date.now()));
    else await condition(() => wake.requested);
  }
  await condition(allHandlersFinished);
  await continueAsNew<typeof deliveryDispatcherWorkflow>();
}

/** One target's sender: sends what is due, one message at a time, and ends when nothing is. */
export async function deliverySenderWorkflow(input: { targetId: string }): Promise<void> {
  // An object, so the signal handler's write is seen (and linted) as shared state.
  const wake = { requested: false };
  setHandler(wakeSenderSignal, () => {
    wake.requested = true;
  });
  for (let round = 0; round < ROUNDS_PER_RUN; round++) {
    wake.requested = false;
    const due = await dueDeliveries({ targetId: input.targetId });
    if (due.deliveryIds.length === 0) {
      // Woken while looking: look again; otherwise done (the dispatcher starts a new run when needed).
      if (wake.requested) continue;
      return;
    }
    try {
      await sendDeliveries({ targetId: input.targetId, deliveryIds: due.deliveryIds });
    } catch {
      // Retries exhausted with the outcome unknown or the database away: the rows keep their state;
      // the dispatcher hands the target over again after its lease.
      return;
    }
    // 20 messages a minute at most to one robot (WeCom and DingTalk both block beyond).
    if (due.channel === 'wecom_robot' || due.channel === 'dingtalk_robot') await sleep(ROBOT_SPACING_MS);
  }
  await condition(allHandlersFinished);
  await continueAsNew<typeof deliverySenderWorkflow>(input);
}

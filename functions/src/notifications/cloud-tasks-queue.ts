/**
 * The webhook delivery queue (notifications/deliveries.ts `DeliveryQueue`) on Cloud Tasks, through
 * firebase-admin's `getFunctions().taskQueue(<function>)`: a task for the `webhookDelivery` task
 * function (index.ts), named after its delivery and attempt so that Cloud Tasks keeps one task per
 * attempt however often it is enqueued. In the Functions emulator the Admin SDK reaches the Cloud
 * Tasks emulator through CLOUD_TASKS_EMULATOR_HOST, which targets the queue by the bare function
 * name (firebase-tools issue 7793) and runs tasks without waiting for their delay (issue 8254; the
 * handler's early-task check keeps the schedule there too).
 */
import type { App } from 'firebase-admin/app';
import type { DeliveryQueue } from './deliveries';

/** The queue's function name: `webhookDelivery`, or `kit-<instance>-webhookDelivery` in a function kit. */
export function cloudTasksDeliveryQueue(app: () => App, functionName: string): DeliveryQueue {
  return {
    async enqueue(task, delaySeconds) {
      const { getFunctions } = require('firebase-admin/functions') as typeof import('firebase-admin/functions');
      const queue = getFunctions(app()).taskQueue(functionName);
      try {
        await queue.enqueue({ ...task }, { scheduleDelaySeconds: delaySeconds, id: `${task.deliveryId}-${task.attempt}`, dispatchDeadlineSeconds: 60 });
      } catch (err) {
        // The same attempt queued before (a duplicate task making sure its successor is queued).
        if ((err as { code?: string }).code === 'functions/task-already-exists') return;
        throw err;
      }
    },
  };
}

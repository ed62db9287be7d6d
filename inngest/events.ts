import { z } from "zod";

/** Every pipeline event name, with the schema of its payload. */
export const CALL_QUEUED = "call/queued";

export const callQueuedData = z.object({
  callId: z.uuid(),
  userId: z.uuid(),
});
export type CallQueuedData = z.infer<typeof callQueuedData>;

/** Event ids make sends idempotent: the first upload of a call and each retry are distinct events. */
export function callQueuedEvent(data: CallQueuedData, attempt: string = "upload") {
  return { name: CALL_QUEUED, id: `call-queued-${data.callId}-${attempt}`, data: callQueuedData.parse(data) };
}

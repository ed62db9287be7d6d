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

/** A voice sample is stored and waits to be enrolled (`enroll-voice`). */
export const VOICE_ENROLLMENT_REQUESTED = "voice/enrollment.requested";

export const voiceEnrollmentRequestedData = z.object({
  userId: z.uuid(),
  enrollmentId: z.uuid(),
  /** Built by `voiceSampleKey` from the two ids; checked again here because it is deleted by the run. */
  sampleKey: z.string().regex(/^users\/[0-9a-f-]{36}\/voice-profile\/samples\/[0-9a-f-]{36}\.[a-z0-9]{1,8}$/),
  consentVersion: z.string().min(1).max(200),
  consentedAt: z.iso.datetime({ offset: true }),
});
export type VoiceEnrollmentRequestedData = z.infer<typeof voiceEnrollmentRequestedData>;

export function voiceEnrollmentRequestedEvent(data: VoiceEnrollmentRequestedData) {
  return { name: VOICE_ENROLLMENT_REQUESTED, id: `voice-enrollment-${data.enrollmentId}`, data: voiceEnrollmentRequestedData.parse(data) };
}

/** The user asked to be found in their earlier calls (`apply-voice-profile`). */
export const VOICE_PROFILE_APPLY_REQUESTED = "voice/profile.apply-requested";

export const voiceProfileApplyRequestedData = z.object({
  userId: z.uuid(),
  applyId: z.uuid(),
});
export type VoiceProfileApplyRequestedData = z.infer<typeof voiceProfileApplyRequestedData>;

export function voiceProfileApplyRequestedEvent(data: VoiceProfileApplyRequestedData) {
  return { name: VOICE_PROFILE_APPLY_REQUESTED, id: `voice-apply-${data.applyId}`, data: voiceProfileApplyRequestedData.parse(data) };
}

/** A webhook delivery row waits to be sent (`deliver-webhook`); `send` tells a "send again" from the first send. */
export const WEBHOOK_DELIVERY_REQUESTED = "webhook/delivery.requested";

export const webhookDeliveryRequestedData = z.object({
  userId: z.uuid(),
  deliveryId: z.uuid(),
});
export type WebhookDeliveryRequestedData = z.infer<typeof webhookDeliveryRequestedData>;

export function webhookDeliveryRequestedEvent(data: WebhookDeliveryRequestedData, send: string = "first") {
  return { name: WEBHOOK_DELIVERY_REQUESTED, id: `webhook-delivery-${data.deliveryId}-${send}`, data: webhookDeliveryRequestedData.parse(data) };
}

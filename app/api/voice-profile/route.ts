import { getInngest } from "@/inngest/client";
import { voiceEnrollmentRequestedEvent } from "@/inngest/events";
import { requireUser } from "@/lib/auth/session";
import { apiRoute } from "@/lib/http/api";
import { getPipelineDeps } from "@/lib/pipeline/deps";
import { deleteVoiceProfile, startEnrollment } from "@/lib/voice-profile/service";
import { voiceProfileResponse } from "@/lib/voice-profile/response";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

const NO_STORE = { "Cache-Control": "private, no-store" };

/** `GET /api/voice-profile` → the signed-in user's voice-profile state. */
export const GET = apiRoute(async () => {
  const user = await requireUser();
  return voiceProfileResponse(user.id);
});

/**
 * `POST /api/voice-profile` (multipart, one file field `sample`) → 202 with the state (enrollment RUNNING).
 * No input but the multipart body: its only field is checked by size (413) and magic bytes (415) while it
 * streams. 409 without current consent (nothing is read or stored) or while an enrollment runs.
 */
export const POST = apiRoute(async (request) => {
  const user = await requireUser();
  const deps = await getPipelineDeps();
  await startEnrollment(deps, {
    userId: user.id,
    request,
    send: async (data) => void (await getInngest().send(voiceEnrollmentRequestedEvent(data))),
  });
  return voiceProfileResponse(user.id, 202);
});

/** `DELETE /api/voice-profile` → 204: profile, consent and any stored sample are gone (also when there was none). */
export const DELETE = apiRoute(async () => {
  const user = await requireUser();
  await deleteVoiceProfile(await getPipelineDeps(), { userId: user.id });
  return new Response(null, { status: 204, headers: NO_STORE });
});

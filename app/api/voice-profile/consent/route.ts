import { z } from "zod";
import { requireUser } from "@/lib/auth/session";
import { apiRoute, readJson } from "@/lib/http/api";
import { getPipelineDeps } from "@/lib/pipeline/deps";
import { safeText } from "@/lib/validation/input";
import { giveVoiceConsent } from "@/lib/voice-profile/service";
import { voiceProfileResponse } from "@/lib/voice-profile/response";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

const consentSchema = z.object({ version: safeText({ min: 1, max: 200 }) }).strict();

/**
 * `POST /api/voice-profile/consent` `{ version }` → 200 with the state. 409 (`details.reason`
 * CONSENT_VERSION_MISMATCH) unless `version` is the current consent text's.
 */
export const POST = apiRoute(async (request) => {
  const user = await requireUser();
  const { version } = await readJson(request, consentSchema);
  await giveVoiceConsent(await getPipelineDeps(), { userId: user.id, version });
  return voiceProfileResponse(user.id);
});

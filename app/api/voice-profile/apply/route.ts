import { z } from "zod";
import { getInngest } from "@/inngest/client";
import { voiceProfileApplyRequestedEvent } from "@/inngest/events";
import { requireUser } from "@/lib/auth/session";
import { AppError } from "@/lib/http/errors";
import { apiRoute } from "@/lib/http/api";
import { getPipelineDeps } from "@/lib/pipeline/deps";
import { finishApply, startApply } from "@/lib/voice-profile/apply";
import { voiceProfileResponse } from "@/lib/voice-profile/response";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

/** No input: an empty body, or an empty JSON object. */
const applySchema = z.union([z.literal(""), z.object({}).strict()]);

async function readNoInput(request: Request): Promise<void> {
  const text = (await request.text()).trim();
  let body: unknown = text;
  if (text !== "") {
    try {
      body = JSON.parse(text);
    } catch {
      throw new AppError("INVALID_JSON", "The request body is not valid JSON.");
    }
  }
  applySchema.parse(body);
}

/**
 * `POST /api/voice-profile/apply` → 202 with the state (apply RUNNING): looks for the user in their earlier
 * calls in the background. 409 without a usable profile (`PROFILE_NOT_USABLE`) or while a run is going
 * (`APPLY_RUNNING`).
 */
export const POST = apiRoute(async (request) => {
  const user = await requireUser();
  await readNoInput(request);
  const deps = await getPipelineDeps();
  const apply = await startApply(deps, { userId: user.id });
  try {
    await getInngest().send(voiceProfileApplyRequestedEvent({ userId: user.id, applyId: apply.id }));
  } catch (error) {
    await finishApply(deps, { userId: user.id, applyId: apply.id, state: "FAILED" });
    throw error;
  }
  return voiceProfileResponse(user.id, 202);
});

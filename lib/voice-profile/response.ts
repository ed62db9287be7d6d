import "server-only";
import { NextResponse } from "next/server";
import { getPipelineDeps } from "@/lib/pipeline/deps";
import { getVoiceProfileState } from "./state";

const NO_STORE = { "Cache-Control": "private, no-store" };

/** The body of `GET /api/voice-profile` and of every POST beside it, with `status`. */
export async function voiceProfileResponse(userId: string, status = 200): Promise<Response> {
  const deps = await getPipelineDeps();
  const state = await getVoiceProfileState(deps.db, { userId }, { consentVersion: deps.voiceConsentVersion, voiceprint: deps.voiceprint });
  return NextResponse.json(state, { status, headers: NO_STORE });
}

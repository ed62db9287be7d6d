import type { Metadata } from "next";
import { NowProvider } from "@/components/calls/RelativeTime";
import { VoiceProfileView } from "@/components/voice-profile/VoiceProfileView";
import { getDb } from "@/db";
import { requirePageUser } from "@/lib/auth/session";
import { getVoiceProfileState } from "@/lib/voice-profile/state";

export const metadata: Metadata = { title: "Voice profile" };

/** The server's clock for this render (dates render in UTC until the browser takes over). */
function renderedAt(): number {
  return Date.now();
}

export default async function VoiceProfilePage() {
  const user = await requirePageUser("/voice-profile");
  const initial = await getVoiceProfileState(await getDb(), { userId: user.id });
  return (
    <NowProvider serverNow={renderedAt()}>
      <div className="mx-auto max-w-3xl">
        <h1 className="text-2xl font-semibold tracking-tight">Voice profile</h1>
        <p className="mt-1 text-sm text-slate-600">Let Scryon recognise your voice, so it can mark you as “You” in your calls.</p>
        <VoiceProfileView initial={initial} />
      </div>
    </NowProvider>
  );
}

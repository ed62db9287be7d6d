import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { cache } from "react";
import { CallActionItems } from "@/components/action-items/CallActionItems";
import { CallWorkspaceProvider } from "@/components/action-items/call-workspace";
import { AudioPlayer, AudioUnavailable } from "@/components/calls/AudioPlayer";
import { CallDetails } from "@/components/calls/CallDetails";
import { TranscriptPlaceholder } from "@/components/calls/CallPlaceholders";
import { ProcessingTimeline } from "@/components/calls/ProcessingTimeline";
import { NowProvider } from "@/components/calls/RelativeTime";
import { MediaSyncProvider } from "@/components/calls/media-sync";
import { TranscriptView, type TranscriptLink } from "@/components/calls/TranscriptView";
import { VoiceConsentNotice } from "@/components/voice-profile/ConsentNotice";
import { getDb } from "@/db";
import { listCallActionItems } from "@/db/queries/action-items";
import { getArtifact } from "@/db/queries/artifacts";
import { getCall } from "@/db/queries/calls";
import { listCallEvents } from "@/db/queries/events";
import { getVoiceProfile } from "@/db/queries/voice-profiles";
import { toTimelineEvent } from "@/lib/calls/serialize";
import { toActionItemJson } from "@/lib/action-items/serialize";
import { todayIn } from "@/lib/action-items/service";
import type { StoredAnalysis } from "@/lib/analysis/types";
import { draftUpgradeHint } from "@/lib/admin/speech";
import { requirePageUser } from "@/lib/auth/session";
import { loadEnv } from "@/lib/env";
import { toCallJson } from "@/lib/calls/serialize";
import { loadJsonArtifact } from "@/lib/pipeline/artifacts";
import { getStorage } from "@/lib/storage";
import { deferWordTimings } from "@/lib/transcript/deferred-words";
import type { NormalizedTranscript } from "@/lib/transcript/normalize";

type Props = { params: Promise<{ id: string }>; searchParams?: Promise<Record<string, string | string[] | undefined>> };

/** `?t=<seconds>&segment=<id>` (a search result's link), read leniently: anything odd is ignored. */
function linkFrom(params: Record<string, string | string[] | undefined>): TranscriptLink | null {
  const t = typeof params.t === "string" ? Number(params.t) : NaN;
  const segment = typeof params.segment === "string" && /^[\w-]{1,100}$/.test(params.segment) ? params.segment : null;
  const seconds = Number.isFinite(t) && t >= 0 && t < 1e7 ? t : null;
  return seconds === null && segment === null ? null : { segmentId: segment, seconds };
}

/** One lookup per request, shared by the metadata and the page. Another user's call is "not found". */
const loadCall = cache(async (id: string) => {
  const user = await requirePageUser(`/calls/${encodeURIComponent(id)}`);
  const db = await getDb();
  const call = await getCall(db, { userId: user.id, callId: id });
  if (!call) return null;
  const [audio, events, transcript, items, analysis, voiceProfile] = await Promise.all([
    getArtifact(db, { userId: user.id, callId: id, type: "TEMP_AUDIO" }),
    listCallEvents(db, { userId: user.id, callId: id }),
    loadJsonArtifact<NormalizedTranscript>({ db, storage: getStorage() }, { userId: user.id, callId: id, type: "NORMALIZED_TRANSCRIPT_JSON" }).catch((error: unknown) => {
      // An unreadable transcript keeps the placeholder rather than failing the whole page.
      console.error(`call ${id}: could not load the normalized transcript`, error);
      return null;
    }),
    listCallActionItems(db, { userId: user.id, callId: id }),
    loadJsonArtifact<StoredAnalysis>({ db, storage: getStorage() }, { userId: user.id, callId: id, type: "ANALYSIS_JSON" }).catch((error: unknown) => {
      console.error(`call ${id}: could not load the analysis`, error);
      return null;
    }),
    getVoiceProfile(db, { userId: user.id }),
  ]);
  const summary = analysis ? { text: analysis.summary, provider: analysis.provider, model: analysis.model, createdAt: analysis.createdAt } : null;
  // The analysis stage's latest event says whether its last run failed.
  const analysisEvents = events.filter((event) => event.stage === "ANALYSIS");
  const analysisFailed = analysisEvents.at(-1)?.status === "FAILED";
  return {
    user,
    call,
    hasAudio: audio !== null,
    events: events.map(toTimelineEvent),
    transcript,
    actionItems: { summary, items: items.map((item) => toActionItemJson(item)) },
    analysisFailed,
    // A profile consented under another version of the text is not used until the user consents again.
    voiceNeedsConsent: voiceProfile !== null && voiceProfile.consentVersion !== loadEnv().voiceConsentVersion,
  };
});

export async function generateMetadata({ params }: Props): Promise<Metadata> {
  const loaded = await loadCall((await params).id);
  return { title: loaded ? loaded.call.title : "Call not found" };
}

/** The server's clock for this render (relative times are rendered against it, then follow the browser's). */
function renderedAt(): number {
  return Date.now();
}

/** The server's date for this render (due dates are drawn against it until the browser's date takes over). */
function serverToday(): string {
  return todayIn(loadEnv().timeZone);
}

export default async function CallPage({ params, searchParams }: Props) {
  const loaded = await loadCall((await params).id);
  if (!loaded) notFound();
  const { user, call, hasAudio, events, transcript, actionItems, analysisFailed, voiceNeedsConsent } = loaded;
  const json = toCallJson(call);
  const link = linkFrom((await searchParams) ?? {});

  return (
    <NowProvider serverNow={renderedAt()}>
      <nav aria-label="Breadcrumb" className="mb-4">
        <Link href="/calls" className="inline-flex items-center gap-1 rounded text-sm font-medium text-slate-600 hover:text-slate-900">
          <svg aria-hidden="true" viewBox="0 0 20 20" fill="none" stroke="currentColor" strokeWidth="2" className="h-4 w-4">
            <path d="M12 15 7 10l5-5" strokeLinecap="round" strokeLinejoin="round" />
          </svg>
          All calls
        </Link>
      </nav>

      {voiceNeedsConsent ? <VoiceConsentNotice /> : null}
      <CallDetails call={json} />

      <MediaSyncProvider>
      <CallWorkspaceProvider callId={call.id} userName={user.displayName} speakers={transcript?.speakers ?? []}>
      <div className="mt-6 grid grid-cols-1 gap-6 lg:grid-cols-5">
        <div className="min-w-0 space-y-6 lg:col-span-3">
          <section aria-labelledby="recording-heading" className="rounded-2xl border border-slate-200 bg-white p-6 shadow-sm">
            <h2 id="recording-heading" className="text-base font-semibold">
              Recording
            </h2>
            <div className="mt-3">
              {hasAudio ? (
                <AudioPlayer callId={call.id} title={call.title} />
              ) : call.status === "UPLOADING" ? (
                <AudioUnavailable reason="The recording is still uploading." />
              ) : (
                <AudioUnavailable />
              )}
            </div>
          </section>
          {transcript ? (
            <TranscriptView
              transcript={deferWordTimings(transcript)}
              wordsUrl={`/api/calls/${call.id}/transcript`}
              upgrade={transcript.quality === "draft" ? draftUpgradeHint(user) : null}
              link={link}
            />
          ) : (
            <TranscriptPlaceholder status={call.status} />
          )}
        </div>
        <div className="min-w-0 space-y-6 lg:col-span-2">
          <CallActionItems
            callId={call.id}
            status={call.status}
            analysisFailed={analysisFailed}
            serverToday={serverToday()}
            initial={actionItems}
          />
          <ProcessingTimeline callId={call.id} initialStatus={call.status} initialEvents={events} />
        </div>
      </div>
      </CallWorkspaceProvider>
      </MediaSyncProvider>
    </NowProvider>
  );
}

import "server-only";
import type { Database, DbOrTx } from "@/db";
import { indexMissingActionItems, listCallsMissingEntries, replaceSummaryEntry, replaceTranscriptEntries, type TranscriptEntryInput } from "@/db/queries/search";
import type { StoredAnalysis } from "@/lib/analysis/types";
import { loadJsonArtifact } from "@/lib/pipeline/artifacts";
import type { ObjectStorage } from "@/lib/storage";
import type { NormalizedTranscript } from "@/lib/transcript/normalize";

/**
 * Keeping the search index (call_search_entries) in step with what the user reads:
 * - the NORMALIZATION stage indexes the transcript, the ANALYSIS stage the summary, each BEFORE it stores
 *   its artifact — so a stage that died in between runs again (its artifact is missing) and replaces its
 *   rows; a failure to index fails that stage attempt like any other write of it (retried, and the call
 *   FAILED with its reason if it keeps failing), never a call that looks done but cannot be found;
 * - speaker renames update the rows' names in the transaction that rewrites the transcript
 *   (lib/speakers/update.ts); action items are mirrored by triggers (migration 0009);
 * - a deleted call takes its rows with it (ON DELETE CASCADE).
 * Calls processed before the index existed are indexed by `backfillSearchIndex` (scripts/search-backfill.ts).
 */

export interface CallRef {
  userId: string;
  callId: string;
}

function speakerOf(transcript: NormalizedTranscript, speakerId: string) {
  return transcript.speakers.find((speaker) => speaker.id === speakerId);
}

/** One row per segment with words, carrying its speaker's label and name as the transcript has them now. */
export function transcriptEntries(transcript: NormalizedTranscript): TranscriptEntryInput[] {
  return transcript.segments
    .filter((segment) => segment.text.trim() !== "")
    .map((segment) => {
      const speaker = speakerOf(transcript, segment.speakerId);
      return {
        segmentId: segment.id,
        speakerId: segment.speakerId,
        speakerLabel: speaker?.label ?? null,
        speakerName: speaker?.displayName ?? null,
        startMs: Math.round(segment.start * 1000),
        endMs: Math.round(segment.end * 1000),
        text: segment.text,
      };
    });
}

export function indexTranscript(db: DbOrTx, ref: CallRef, transcript: NormalizedTranscript): Promise<number> {
  return replaceTranscriptEntries(db, ref, transcriptEntries(transcript));
}

export function indexSummary(db: DbOrTx, ref: CallRef, summary: string): Promise<number> {
  return replaceSummaryEntry(db, ref, summary);
}

/**
 * Indexes the stored transcripts and summaries the index lacks (calls processed before this feature, or
 * an interrupted one), and action items from before the triggers. Idempotent and cheap when nothing is
 * missing: one anti-join per kind.
 */
export async function backfillSearchIndex(
  deps: { db: Database; storage: ObjectStorage },
  { batchSize = 200, log = () => {} }: { batchSize?: number; log?: (message: string) => void } = {},
): Promise<{ transcripts: number; summaries: number; actionItems: number; failed: number }> {
  const result = { transcripts: 0, summaries: 0, actionItems: 0, failed: 0 };
  for (const kind of ["segment", "summary"] as const) {
    let afterId: string | null = null;
    for (;;) {
      const calls = await listCallsMissingEntries(deps.db, { kind, afterId, limit: batchSize });
      if (calls.length === 0) break;
      for (const call of calls) {
        const ref = { userId: call.userId, callId: call.id };
        try {
          if (kind === "segment") {
            const transcript = await loadJsonArtifact<NormalizedTranscript>(deps, { ...ref, type: "NORMALIZED_TRANSCRIPT_JSON" });
            if (transcript) {
              await indexTranscript(deps.db, ref, transcript);
              result.transcripts++;
            }
          } else {
            const analysis = await loadJsonArtifact<StoredAnalysis>(deps, { ...ref, type: "ANALYSIS_JSON" });
            if (analysis) {
              await indexSummary(deps.db, ref, analysis.summary);
              result.summaries++;
            }
          }
        } catch (error) {
          result.failed++;
          log(`call ${call.id}: could not index its ${kind === "segment" ? "transcript" : "summary"}: ${error instanceof Error ? error.message : String(error)}`);
        }
      }
      afterId = calls.at(-1)!.id;
    }
  }
  // After the transcripts: an item's row takes its start time from its source segment's.
  result.actionItems = await indexMissingActionItems(deps.db);
  return result;
}

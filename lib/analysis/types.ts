import type { ActionItemPriority, CallDirection } from "@/db/schema";
import type { NormalizedTranscript } from "@/lib/transcript/normalize";

/**
 * The analysis stage's small interface. A provider reads the normalized transcript (speakers already
 * resolved: `role` SELF / COUNTERPARTY / OTHER / UNKNOWN and `displayName`) and the call's metadata, and
 * returns a summary and action items that cite the transcript's segment ids. Results are plain JSON, stored
 * as the ANALYSIS_JSON artifact as they are.
 */

export interface AnalysisCallContext {
  title: string;
  /** Due dates ("by Friday", "tomorrow") are resolved relative to this instant … */
  recordedAt: Date;
  /** … in this IANA time zone (default "UTC"). */
  timeZone: string;
  contactName: string | null;
  organization: string | null;
  direction: CallDirection;
}

export interface AnalysisInput {
  transcript: NormalizedTranscript;
  call: AnalysisCallContext;
}

export interface AnalyzedActionItem {
  /** Short imperative title ("Send the proposal to Sam"), at most 200 characters. */
  title: string;
  /** Optional longer context; null when the title says it all. */
  description: string | null;
  /** Calendar date `YYYY-MM-DD` in the call's time zone, or null when no date was said. */
  dueDate: string | null;
  priority: ActionItemPriority;
  /** A `transcript.speakers[].id`, or null when nobody in particular owns it. */
  ownerSpeakerId: string | null;
  /** Ids of the segments the item came from (at least one; every id exists in the transcript). */
  sourceSegmentIds: string[];
  /** The words the item came from, as said (the cited segments' text, or the sentence within them). */
  sourceText: string;
}

export interface AnalysisResult {
  /** A few sentences; empty string when the transcript has no words. */
  summary: string;
  actionItems: AnalyzedActionItem[];
}

export interface AnalyzeOptions {
  signal?: AbortSignal;
}

export interface AnalysisProvider {
  /** "local", "openai-compatible", "anthropic": lands on the processing event and in ANALYSIS_JSON. */
  readonly name: string;
  /** The model (or rule set) name and version, e.g. "rules-v1" or "gpt-4o-mini". */
  readonly model: string;
  analyze(input: AnalysisInput, options?: AnalyzeOptions): Promise<AnalysisResult>;
}

/** What the ANALYSIS_JSON artifact holds. */
export interface StoredAnalysis extends AnalysisResult {
  version: 1;
  provider: string;
  model: string;
  createdAt: string;
}

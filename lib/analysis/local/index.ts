import type { AnalysisInput, AnalysisProvider, AnalysisResult, AnalyzeOptions } from "@/lib/analysis/types";
import { extractActionItems } from "./extract";
import { summarize } from "./summary";

export { extractActionItems, splitClauses, transcriptUnits, buildNameIndex, shapeTitle, MAX_TITLE_LENGTH } from "./extract";
export type { Clause, ExtractContext, TranscriptUnit, NameIndex } from "./extract";
export { resolveDueDate, recordedDate, localDateTime, daysBetween, formatDate } from "./dates";
export type { LocalDateTime } from "./dates";
export { priorityFromText } from "./priority";
export { summarize } from "./summary";
export type { SummaryOptions } from "./summary";
export { splitSentences, tokenize, normalizeWord, capitalizeSentence } from "./text";
export type { Token } from "./text";

/**
 * The deterministic local analyzer ("rules-v1"): no model and no network. The same input always gives the same
 * output, in time linear in the transcript's length.
 *
 * - Units: punctuated (cloud) text is split into sentences, joined back across a pause; unpunctuated
 *   (pocketsphinx) text is read a segment at a time. Either way a unit is split again where a second cue starts
 *   ("okay thanks i will send it tomorrow and can you review the draft").
 * - Cues (cues.ts): commitments ("I'll", "I'm going to", "let me"), proposals ("let's", "we need to", "we
 *   should"), requests ("can you", "please", "make sure", "don't forget to", a bare imperative opening a
 *   sentence), named owners ("Sam will") and third parties ("they'll", "someone needs to"). Word lists reject
 *   talk about the talk ("I'll be honest", "can you hear me", "let me share my screen"), past tense and hindsight
 *   ("we should have"), hypotheticals ("if we had…"), questions ("do we need to…") and objectless fragments
 *   ("I'll do it").
 * - Owners: a commitment or proposal → its speaker; a request → the speaker it names, else the other party of a
 *   two-party call, else the next other speaker, else null; "Sam will…" → Sam when Sam is on the call (by display
 *   name, or the call's contact name for the one unnamed counterparty), else null.
 * - Due dates: dates.ts; priority: priority.ts; summary: summary.ts.
 */
export class LocalAnalysisProvider implements AnalysisProvider {
  readonly name = "local";
  readonly model = "rules-v1";

  async analyze(input: AnalysisInput, options: AnalyzeOptions = {}): Promise<AnalysisResult> {
    options.signal?.throwIfAborted();
    const hasWords = input.transcript.segments.some((segment) => segment.text.trim() !== "");
    if (!hasWords) return { summary: "", actionItems: [] };
    const summary = summarize(input.transcript);
    options.signal?.throwIfAborted();
    const actionItems = extractActionItems({ transcript: input.transcript, call: input.call });
    return { summary, actionItems };
  }
}

import type { ActionItemPriority } from "@/db/schema";
import type { NormalizedTranscript } from "@/lib/transcript/normalize";
import type { AnalysisResult, AnalyzedActionItem } from "../types";
import { PRIORITIES, type RawActionItem, type RawAnalysisOutput } from "./schema";

/**
 * What the model returned is checked against the transcript before it is stored:
 *
 * - every cited segment id must exist in the transcript (bracket/quote noise and case are forgiven, and a bare
 *   number "12"/"s12" is read as "s0012"); an item citing any id that does not exist is dropped — it points at
 *   words nobody said — and so is an item citing nothing or without a title. Drops are counted in the report
 *   (`logValidationReport` logs counts and ids only, never transcript text);
 * - `dueDate` must be a real `YYYY-MM-DD` calendar date, else null;
 * - `ownerSpeakerId` must be a transcript speaker (its id, or unambiguously its display name/label), else null;
 * - `priority` outside low/medium/high becomes "medium";
 * - the title is trimmed to one line of at most 200 characters;
 * - `sourceText` is kept when it is found in the cited segments (ignoring case, spacing and punctuation), else
 *   replaced by the cited segments' text.
 */

export const MAX_TITLE_CHARS = 200;
const MAX_DESCRIPTION_CHARS = 2_000;

export interface ValidationReport {
  /** Items dropped because they cite ids that are not in the transcript. */
  droppedUnknownCitations: number;
  /** The unknown ids (sanitised: id-like characters only, short). */
  unknownSegmentIds: string[];
  /** Items dropped because they cite no segment. */
  droppedWithoutCitations: number;
  /** Items dropped because their title is empty. */
  droppedWithoutTitle: number;
}

export function emptyReport(): ValidationReport {
  return { droppedUnknownCitations: 0, unknownSegmentIds: [], droppedWithoutCitations: 0, droppedWithoutTitle: 0 };
}

export function addReports(a: ValidationReport, b: ValidationReport): ValidationReport {
  return {
    droppedUnknownCitations: a.droppedUnknownCitations + b.droppedUnknownCitations,
    unknownSegmentIds: [...new Set([...a.unknownSegmentIds, ...b.unknownSegmentIds])],
    droppedWithoutCitations: a.droppedWithoutCitations + b.droppedWithoutCitations,
    droppedWithoutTitle: a.droppedWithoutTitle + b.droppedWithoutTitle,
  };
}

/** An index of the transcript for the checks: segment order and text, speaker ids and names. */
export class TranscriptIndex {
  readonly segmentOrder = new Map<string, number>();
  private readonly segmentText = new Map<string, string>();
  private readonly segmentIdsLower = new Map<string, string>();
  private readonly speakerIds = new Set<string>();
  private readonly speakerIdsLower = new Map<string, string>();
  private readonly speakerNames = new Map<string, string | null>();

  constructor(transcript: NormalizedTranscript) {
    transcript.segments.forEach((segment, index) => {
      this.segmentOrder.set(segment.id, index);
      this.segmentText.set(segment.id, segment.text);
      this.segmentIdsLower.set(segment.id.toLowerCase(), segment.id);
    });
    for (const speaker of transcript.speakers) {
      this.speakerIds.add(speaker.id);
      this.speakerIdsLower.set(speaker.id.toLowerCase(), speaker.id);
      for (const name of [speaker.displayName, speaker.label]) {
        const key = name ? normalizeForMatch(name) : "";
        if (!key) continue;
        const existing = this.speakerNames.get(key);
        // A name two speakers share identifies neither.
        this.speakerNames.set(key, existing === undefined || existing === speaker.id ? speaker.id : null);
      }
    }
  }

  /** The transcript's id for what the model cited, or null when there is none. */
  resolveSegmentId(cited: string): string | null {
    const id = cited.replace(/^[\s[("'`]+|[\s\])"'`.,;:]+$/g, "");
    if (!id) return null;
    if (this.segmentOrder.has(id)) return id;
    const lower = this.segmentIdsLower.get(id.toLowerCase());
    if (lower) return lower;
    const number = /^s?(\d{1,6})$/i.exec(id)?.[1];
    if (number) {
      const padded = `s${String(Number(number)).padStart(4, "0")}`;
      if (this.segmentOrder.has(padded)) return padded;
    }
    return null;
  }

  resolveSpeakerId(value: string | null): string | null {
    if (value === null) return null;
    const id = value.trim();
    if (!id) return null;
    if (this.speakerIds.has(id)) return id;
    return this.speakerIdsLower.get(id.toLowerCase()) ?? this.speakerNames.get(normalizeForMatch(id)) ?? null;
  }

  text(segmentId: string): string {
    return this.segmentText.get(segmentId) ?? "";
  }

  order(segmentId: string): number {
    return this.segmentOrder.get(segmentId) ?? Number.MAX_SAFE_INTEGER;
  }
}

/** Checks one model answer (one chunk) against the transcript. */
export function validateModelOutput(
  output: RawAnalysisOutput,
  index: TranscriptIndex,
): { result: AnalysisResult; report: ValidationReport } {
  const report = emptyReport();
  const actionItems: AnalyzedActionItem[] = [];
  for (const raw of output.actionItems) {
    const item = validateItem(raw, index, report);
    if (item) actionItems.push(item);
  }
  return { result: { summary: output.summary.trim(), actionItems: dedupeActionItems(actionItems, index) }, report };
}

function validateItem(raw: RawActionItem, index: TranscriptIndex, report: ValidationReport): AnalyzedActionItem | null {
  if (raw.sourceSegmentIds.length === 0) {
    report.droppedWithoutCitations++;
    return null;
  }
  const ids: string[] = [];
  const unknown: string[] = [];
  for (const cited of raw.sourceSegmentIds) {
    const id = index.resolveSegmentId(cited);
    if (id === null) unknown.push(safeId(cited));
    else if (!ids.includes(id)) ids.push(id);
  }
  if (unknown.length > 0) {
    report.droppedUnknownCitations++;
    report.unknownSegmentIds = [...new Set([...report.unknownSegmentIds, ...unknown])];
    return null;
  }
  const title = cleanTitle(raw.title);
  if (!title) {
    report.droppedWithoutTitle++;
    return null;
  }
  ids.sort((a, b) => index.order(a) - index.order(b));
  return {
    title,
    description: cleanDescription(raw.description),
    dueDate: validDate(raw.dueDate),
    priority: validPriority(raw.priority),
    ownerSpeakerId: index.resolveSpeakerId(raw.ownerSpeakerId),
    sourceSegmentIds: ids,
    sourceText: sourceTextFor(raw.sourceText, ids, index),
  };
}

/** One line, at most 200 characters (cut at 199 + "…"). */
export function cleanTitle(title: string): string {
  const line = title.replace(/\s+/g, " ").trim();
  return line.length > MAX_TITLE_CHARS ? `${line.slice(0, MAX_TITLE_CHARS - 1).trimEnd()}…` : line;
}

function cleanDescription(description: string | null): string | null {
  const text = description?.trim() ?? "";
  if (!text) return null;
  return text.length > MAX_DESCRIPTION_CHARS ? `${text.slice(0, MAX_DESCRIPTION_CHARS - 1).trimEnd()}…` : text;
}

/** `YYYY-MM-DD` naming a real calendar day, else null. */
export function validDate(value: string | null): string | null {
  const text = value?.trim() ?? "";
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (!match) return null;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const date = new Date(Date.UTC(year, month - 1, day));
  if (date.getUTCFullYear() !== year || date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day) return null;
  return text;
}

export function validPriority(value: string | null): ActionItemPriority {
  const text = value?.trim().toLowerCase() ?? "";
  return (PRIORITIES as readonly string[]).includes(text) ? (text as ActionItemPriority) : "medium";
}

/** The model's quote when the cited segments contain it, else the cited segments' text. */
function sourceTextFor(quoted: string | null, ids: string[], index: TranscriptIndex): string {
  const cited = ids.map((id) => index.text(id).trim()).filter(Boolean).join(" ");
  const quote = quoted?.replace(/\s+/g, " ").trim() ?? "";
  const needle = normalizeForMatch(quote);
  if (needle && normalizeForMatch(cited).includes(needle)) return quote;
  return cited;
}

/** Lower case, letters and digits only, single spaces: for comparing quotes and titles. */
export function normalizeForMatch(text: string): string {
  return text.normalize("NFKC").toLowerCase().replace(/[^\p{L}\p{N}]+/gu, " ").trim();
}

/** Model output quoted in a log line: id-like characters only, at most 24 of them. */
function safeId(value: string): string {
  const id = value.replace(/[^A-Za-z0-9_-]/g, "").slice(0, 24);
  return id || "(invalid)";
}

const PRIORITY_RANK: Record<ActionItemPriority, number> = { low: 0, medium: 1, high: 2 };

/**
 * Removes repeated items: two items are the same task when their titles match ignoring case, spacing and
 * punctuation. The first keeps its place and gains the other's citations (in transcript order), the higher
 * priority, and any due date, owner or description it lacked; its `sourceText` gains the other's when that
 * says something more (joined with " … ").
 */
export function dedupeActionItems(items: AnalyzedActionItem[], index: TranscriptIndex): AnalyzedActionItem[] {
  const byKey = new Map<string, AnalyzedActionItem>();
  const out: AnalyzedActionItem[] = [];
  for (const item of items) {
    const key = normalizeForMatch(item.title);
    const first = byKey.get(key);
    if (!first) {
      const copy = { ...item, sourceSegmentIds: [...item.sourceSegmentIds] };
      byKey.set(key, copy);
      out.push(copy);
      continue;
    }
    first.sourceSegmentIds = [...new Set([...first.sourceSegmentIds, ...item.sourceSegmentIds])].sort(
      (a, b) => index.order(a) - index.order(b),
    );
    if (PRIORITY_RANK[item.priority] > PRIORITY_RANK[first.priority]) first.priority = item.priority;
    first.dueDate ??= item.dueDate;
    first.ownerSpeakerId ??= item.ownerSpeakerId;
    first.description ??= item.description;
    if (!normalizeForMatch(first.sourceText).includes(normalizeForMatch(item.sourceText))) {
      first.sourceText = `${first.sourceText} … ${item.sourceText}`;
    }
  }
  return out;
}

/** One warning per analysis when something was dropped: counts and ids only. */
export function logValidationReport(provider: string, report: ValidationReport): void {
  if (report.droppedUnknownCitations > 0) {
    console.warn(
      `[analysis:${provider}] dropped ${report.droppedUnknownCitations} action item(s) citing segment ids not in the transcript: ${report.unknownSegmentIds.join(", ")}`,
    );
  }
  if (report.droppedWithoutCitations > 0) {
    console.warn(`[analysis:${provider}] dropped ${report.droppedWithoutCitations} action item(s) without segment citations`);
  }
  if (report.droppedWithoutTitle > 0) {
    console.warn(`[analysis:${provider}] dropped ${report.droppedWithoutTitle} action item(s) without a title`);
  }
}

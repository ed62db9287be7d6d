"use client";

import Link from "next/link";
import { memo, useCallback, useEffect, useId, useMemo, useRef, useState, type MouseEvent } from "react";
import { useCallWorkspace } from "@/components/action-items/call-workspace";
import { SpeakerEditor } from "@/components/action-items/SpeakerEditor";
import { useRestoreFocus } from "@/components/hooks/use-restore-focus";
import { withWords, type ViewTranscript } from "@/lib/transcript/deferred-words";
import type { NormalizedTranscript } from "@/lib/transcript/normalize";
import { playFrom, seekWhenReady, useMedia } from "./media-sync";
import {
  chunkRanges,
  currentSegmentIndex,
  currentWordIndex,
  estimateChunkHeight,
  findMatches,
  flattenWords,
  formatTimestamp,
  speakerColours,
  spokenTimestamp,
  stepMatch,
  type SearchMatch,
  type SpeakerColour,
} from "./transcript-model";

/** Segments per rendered chunk; only chunks near the viewport (or holding the current word / match) are mounted. */
const CHUNK_SIZE = 40;

const COLOUR_CLASSES: Record<SpeakerColour, { dot: string; border: string; text: string }> = {
  sky: { dot: "bg-sky-500", border: "border-sky-400", text: "text-sky-800" },
  amber: { dot: "bg-amber-500", border: "border-amber-400", text: "text-amber-800" },
  emerald: { dot: "bg-emerald-500", border: "border-emerald-400", text: "text-emerald-800" },
  fuchsia: { dot: "bg-fuchsia-500", border: "border-fuchsia-400", text: "text-fuchsia-800" },
  rose: { dot: "bg-rose-500", border: "border-rose-400", text: "text-rose-800" },
  indigo: { dot: "bg-indigo-500", border: "border-indigo-400", text: "text-indigo-800" },
  lime: { dot: "bg-lime-600", border: "border-lime-500", text: "text-lime-800" },
  orange: { dot: "bg-orange-500", border: "border-orange-400", text: "text-orange-800" },
};

type Segment = NormalizedTranscript["segments"][number];
type Speaker = { name: string; colour: SpeakerColour; isMe: boolean };

export interface TranscriptLink {
  segmentId: string | null;
  seconds: number | null;
}

/** How long a segment shown from an action item's source stays highlighted. */
const REVEAL_HIGHLIGHT_MS = 2500;

function speakerName(speaker: NormalizedTranscript["speakers"][number] | undefined): string {
  return speaker?.displayName?.trim() || speaker?.label || "Unknown speaker";
}

/**
 * `upgrade`: better speech models could be installed on this server (lib/admin/speech.ts `draftUpgradeHint`);
 * `canInstall` when this user is an administrator, who gets a link to Settings → Speech.
 */
export function TranscriptView({
  transcript: received,
  upgrade = null,
  link = null,
  wordsUrl = null,
}: {
  transcript: ViewTranscript;
  upgrade?: { canInstall: boolean } | null;
  /** The moment the page was opened at (a search result): seek there and highlight the segment. */
  link?: TranscriptLink | null;
  /** Where the full transcript is, when the page sent some segments without their words (lib/transcript/deferred-words.ts). */
  wordsUrl?: string | null;
}) {
  const loadedWords = useDeferredWords(received.wordsDeferred ? wordsUrl : null);
  const transcript = useMemo(() => withWords(received, loadedWords), [received, loadedWords]);
  const words = useMemo(() => flattenWords(transcript.segments), [transcript]);
  const hasSpeech = words.length > 0;

  return (
    <section aria-labelledby="transcript-heading" className="rounded-2xl border border-slate-200 bg-white p-6 shadow-sm" data-testid="transcript">
      <h2 id="transcript-heading" className="text-base font-semibold">
        Transcript
      </h2>
      {transcript.quality === "draft" && hasSpeech ? (
        <p className="mt-2 rounded-lg bg-amber-50 px-3 py-2 text-sm text-amber-900" data-testid="transcript-draft-note">
          Draft quality: this transcript was made on this server by the local speech engine, so expect misheard words and rough speaker turns.
          {upgrade?.canInstall ? (
            <>
              {" "}
              Better models are available:{" "}
              <Link href="/settings/speech" className="font-medium underline underline-offset-2" data-testid="transcript-draft-upgrade">
                install them in Settings → Speech
              </Link>
              .
            </>
          ) : upgrade ? (
            " Your server’s administrator can install better speech models (Settings → Speech)."
          ) : null}
        </p>
      ) : null}
      {hasSpeech ? (
        <TranscriptBody transcript={transcript} words={words} link={link} />
      ) : (
        <p className="mt-3 rounded-xl border border-dashed border-slate-200 bg-slate-50 px-4 py-6 text-sm text-slate-600" data-testid="transcript-empty">
          No speech was found in this recording.
        </p>
      )}
    </section>
  );
}

/** The word timings of every segment, fetched once after the page is interactive (null until then, or on failure: estimates stay). */
function useDeferredWords(url: string | null): ReadonlyMap<string, NormalizedTranscript["segments"][number]["words"]> | null {
  const [loaded, setLoaded] = useState<ReadonlyMap<string, NormalizedTranscript["segments"][number]["words"]> | null>(null);
  useEffect(() => {
    if (!url) return;
    const controller = new AbortController();
    fetch(url, { signal: controller.signal, headers: { accept: "application/json" } })
      .then((response) => (response.ok ? (response.json() as Promise<NormalizedTranscript>) : null))
      .then((full) => {
        if (full) setLoaded(new Map(full.segments.map((segment) => [segment.id, segment.words])));
      })
      .catch(() => {
        // The estimated timings stay: the transcript still reads, searches and seeks by segment.
      });
    return () => controller.abort();
  }, [url]);
  return loaded;
}

function TranscriptBody({ transcript, words, link }: { transcript: NormalizedTranscript; words: ReturnType<typeof flattenWords>; link: TranscriptLink | null }) {
  const media = useMedia();
  const workspace = useCallWorkspace();
  const segments = transcript.segments;
  const searchId = useId();
  // The call page shares the speakers as the user last edited them; otherwise the transcript's own.
  const speakerList = workspace && workspace.speakers.length > 0 ? workspace.speakers : transcript.speakers;

  const speakers = useMemo(() => {
    const colours = speakerColours(speakerList.map((speaker) => speaker.id));
    const byId = new Map<string, Speaker>();
    for (const speaker of speakerList) byId.set(speaker.id, { name: speakerName(speaker), colour: colours.get(speaker.id)!, isMe: speaker.role === "SELF" });
    return byId;
  }, [speakerList]);

  /** Flat index of each segment's first word. */
  const wordOffsets = useMemo(() => {
    const offsets: number[] = [];
    let total = 0;
    for (const segment of segments) {
      offsets.push(total);
      total += segment.words.length;
    }
    return offsets;
  }, [segments]);

  const chunks = useMemo(() => chunkRanges(segments.length, CHUNK_SIZE), [segments.length]);

  // --- Following the audio -------------------------------------------------------------------
  const [activeWord, setActiveWord] = useState(-1);
  const [activeSegment, setActiveSegment] = useState(-1);
  const [following, setFollowing] = useState(true);

  useEffect(() => {
    if (!media) return;
    let frame = 0;
    const update = () => {
      const time = media.currentTime;
      const word = currentWordIndex(words, time);
      setActiveWord(word);
      setActiveSegment(word >= 0 ? words[word]!.segment : currentSegmentIndex(segments, time));
    };
    const loop = () => {
      update();
      frame = requestAnimationFrame(loop);
    };
    const onPlay = () => {
      cancelAnimationFrame(frame);
      frame = requestAnimationFrame(loop);
    };
    const onStop = () => {
      cancelAnimationFrame(frame);
      update();
    };
    media.addEventListener("playing", onPlay);
    media.addEventListener("pause", onStop);
    media.addEventListener("ended", onStop);
    media.addEventListener("seeked", update);
    media.addEventListener("timeupdate", update);
    if (!media.paused) onPlay();
    return () => {
      cancelAnimationFrame(frame);
      media.removeEventListener("playing", onPlay);
      media.removeEventListener("pause", onStop);
      media.removeEventListener("ended", onStop);
      media.removeEventListener("seeked", update);
      media.removeEventListener("timeupdate", update);
    };
  }, [media, words, segments]);

  const play = useCallback(
    (seconds: number) => {
      if (!media) return;
      setFollowing(true);
      playFrom(media, seconds);
    },
    [media],
  );

  // --- Showing a segment for an action item's "Source" -----------------------------------------
  const [revealed, setRevealed] = useState<{ index: number; nonce: number } | null>(null);
  const registerRevealer = workspace?.registerRevealer;
  useEffect(() => {
    if (!registerRevealer) return;
    registerRevealer((segmentId) => {
      const index = segments.findIndex((segment) => segment.id === segmentId);
      if (index < 0) return false;
      setRevealed((current) => ({ index, nonce: (current?.nonce ?? 0) + 1 }));
      play(segments[index]!.start);
      return true;
    });
    return () => registerRevealer(null);
  }, [registerRevealer, segments, play]);

  // --- Opened at a moment (`?t=&segment=`, from a search result) ----------------------------------
  const linkedIndex = useMemo(() => (link?.segmentId ? segments.findIndex((segment) => segment.id === link.segmentId) : -1), [link, segments]);
  const linkedSeconds = link?.seconds ?? (linkedIndex >= 0 ? segments[linkedIndex]!.start : null);
  useEffect(() => {
    // No autoplay: the position moves, the user presses play.
    if (!media || linkedSeconds === null) return;
    return seekWhenReady(media, linkedSeconds);
  }, [media, linkedSeconds]);

  // --- Search --------------------------------------------------------------------------------
  const [query, setQuery] = useState("");
  const [matchIndex, setMatchIndex] = useState(-1);
  const matches = useMemo(() => findMatches(words, query), [words, query]);
  const matchedWords = useMemo(() => {
    const set = new Set<number>();
    for (const match of matches) for (let k = 0; k < match.length; k++) set.add(match.start + k);
    return set;
  }, [matches]);
  const currentMatch: SearchMatch | null = (matchIndex >= 0 ? matches[matchIndex] : undefined) ?? null;

  function onQueryChange(value: string) {
    setQuery(value);
    setMatchIndex(findMatches(words, value).length > 0 ? 0 : -1);
    setFollowing(false);
  }

  function step(direction: 1 | -1) {
    if (matches.length === 0) return;
    setFollowing(false);
    setMatchIndex((current) => stepMatch(current, matches.length, direction));
  }

  // --- Windowed rendering --------------------------------------------------------------------
  const scrollerRef = useRef<HTMLDivElement>(null);
  // Chunks near the viewport, and the measured height of chunks that were mounted then left.
  const [windowing, setWindowing] = useState<{ near: ReadonlySet<number>; heights: ReadonlyMap<number, number> }>(() => ({
    near: new Set([0]),
    heights: new Map(),
  }));
  const activeChunk = activeSegment >= 0 ? Math.floor(activeSegment / CHUNK_SIZE) : -1;
  // The chunk holding keyboard focus stays mounted, so focus is never dropped by the windowing.
  const [focusedChunk, setFocusedChunk] = useState(-1);
  const matchChunk = currentMatch ? Math.floor(words[currentMatch.start]!.segment / CHUNK_SIZE) : -1;
  const revealedChunk = revealed ? Math.floor(revealed.index / CHUNK_SIZE) : -1;
  const linkedChunk = linkedIndex >= 0 ? Math.floor(linkedIndex / CHUNK_SIZE) : -1;

  useEffect(() => {
    const scroller = scrollerRef.current;
    if (!scroller) return;
    const observer = new IntersectionObserver(
      (entries) => {
        // Read heights now, before the state update unmounts anything.
        const measured = entries.map((entry) => ({
          index: Number((entry.target as HTMLElement).dataset.chunk),
          near: entry.isIntersecting,
          height: (entry.target as HTMLElement).offsetHeight,
        }));
        setWindowing((previous) => {
          const near = new Set(previous.near);
          const heights = new Map(previous.heights);
          for (const { index, near: isNear, height } of measured) {
            if (isNear) near.add(index);
            else {
              // Remember its real height, so the placeholder that replaces it takes the same room.
              if (near.has(index)) heights.set(index, height);
              near.delete(index);
            }
          }
          return { near, heights };
        });
      },
      { root: scroller, rootMargin: "800px 0px" },
    );
    for (const element of scroller.querySelectorAll<HTMLElement>("[data-chunk]")) observer.observe(element);
    return () => observer.disconnect();
  }, [chunks]);

  // --- Scrolling -----------------------------------------------------------------------------
  const programmaticUntil = useRef(0);

  const scrollIntoView = useCallback((element: HTMLElement | null, force: boolean) => {
    const scroller = scrollerRef.current;
    if (!scroller || !element) return;
    const top = element.getBoundingClientRect().top - scroller.getBoundingClientRect().top + scroller.scrollTop;
    const bottom = top + element.offsetHeight;
    const margin = 24;
    const visible = top >= scroller.scrollTop + margin && bottom <= scroller.scrollTop + scroller.clientHeight - margin;
    if (visible && !force) return;
    programmaticUntil.current = performance.now() + 200;
    scroller.scrollTop = Math.max(0, top - scroller.clientHeight / 3);
  }, []);

  const segmentElement = useCallback((index: number) => scrollerRef.current?.querySelector<HTMLElement>(`[data-segment-index="${index}"]`) ?? null, []);

  useEffect(() => {
    if (following && activeSegment >= 0) scrollIntoView(segmentElement(activeSegment), false);
  }, [activeSegment, following, scrollIntoView, segmentElement]);

  // A revealed segment is scrolled to (in the transcript and on the page) and highlighted for a moment.
  useEffect(() => {
    if (!revealed) return;
    const element = segmentElement(revealed.index);
    scrollIntoView(element, true);
    element?.scrollIntoView({ block: "nearest" });
    const timer = setTimeout(() => setRevealed(null), REVEAL_HIGHLIGHT_MS);
    return () => clearTimeout(timer);
  }, [revealed, scrollIntoView, segmentElement]);

  // The linked segment is scrolled to once, in the transcript and on the page.
  useEffect(() => {
    if (linkedIndex < 0) return;
    const element = segmentElement(linkedIndex);
    scrollIntoView(element, true);
    element?.scrollIntoView({ block: "center" });
  }, [linkedIndex, scrollIntoView, segmentElement]);

  useEffect(() => {
    if (!currentMatch) return;
    scrollIntoView(scrollerRef.current?.querySelector<HTMLElement>(`[data-word="${currentMatch.start}"]`) ?? null, false);
  }, [currentMatch, scrollIntoView]);

  // Whether the current segment is on screen: "Back to current" is only offered when it is not.
  const [activeInView, setActiveInView] = useState(true);
  useEffect(() => {
    const scroller = scrollerRef.current;
    const element = activeSegment >= 0 ? segmentElement(activeSegment) : null;
    if (!scroller || !element) return;
    const observer = new IntersectionObserver((entries) => setActiveInView(entries.some((entry) => entry.isIntersecting)), { root: scroller });
    observer.observe(element);
    return () => observer.disconnect();
  }, [activeSegment, windowing, segmentElement]);

  function onScroll() {
    if (performance.now() < programmaticUntil.current || activeSegment < 0) return;
    const scroller = scrollerRef.current;
    const element = segmentElement(activeSegment);
    if (!scroller || !element) {
      setFollowing(false);
      return;
    }
    const box = element.getBoundingClientRect();
    const view = scroller.getBoundingClientRect();
    setFollowing(box.bottom > view.top && box.top < view.bottom);
  }

  function backToCurrent() {
    setFollowing(true);
    scrollIntoView(segmentElement(activeSegment), true);
  }

  const speakingIds = useMemo(() => new Set(segments.map((segment) => segment.speakerId)), [segments]);
  const legend = [...speakers.entries()].filter(([id]) => speakingIds.has(id));

  // --- Editing speakers ------------------------------------------------------------------------
  const [editingSpeakers, setEditingSpeakers] = useState(false);
  // Focus goes back to "Edit speakers" once the form has closed and the button is back.
  const { ref: editSpeakersRef, focusOnClose: focusEditSpeakersOnClose } = useRestoreFocus<HTMLButtonElement>(editingSpeakers);
  const [speakerAnnouncement, setSpeakerAnnouncement] = useState("");

  return (
    <div className="mt-3">
      <div className="flex flex-wrap items-center justify-between gap-3">
        <div className="flex flex-wrap items-center gap-x-3 gap-y-1">
          <ul className="flex flex-wrap gap-x-4 gap-y-1 text-sm" aria-label="Speakers" data-testid="transcript-speakers">
            {legend.map(([id, speaker]) => (
              <li key={id} className="inline-flex items-center gap-1.5" data-speaker-id={id}>
                <span aria-hidden="true" className={`h-2.5 w-2.5 rounded-full ${COLOUR_CLASSES[speaker.colour].dot}`} />
                <span className={`font-medium ${COLOUR_CLASSES[speaker.colour].text}`}>{speaker.name}</span>
                {speaker.isMe ? <span className="rounded-full bg-brand-100 px-1.5 py-px text-xs font-semibold text-brand-700">You</span> : null}
              </li>
            ))}
          </ul>
          {workspace && legend.length > 0 && !editingSpeakers ? (
            <button
              ref={editSpeakersRef}
              type="button"
              onClick={() => setEditingSpeakers(true)}
              className="inline-flex items-center gap-1 rounded-md px-1.5 py-0.5 text-xs font-medium text-slate-600 hover:bg-slate-100 hover:text-slate-900"
            >
              <svg aria-hidden="true" viewBox="0 0 20 20" fill="none" stroke="currentColor" strokeWidth="1.8" className="h-3.5 w-3.5">
                <path d="m13.5 3.5 3 3L7 16H4v-3l9.5-9.5Z" strokeLinejoin="round" />
              </svg>
              Edit speakers
            </button>
          ) : null}
          <span role="status" aria-live="polite" className="sr-only">
            {speakerAnnouncement}
          </span>
        </div>
        <form
          role="search"
          aria-label="Search the transcript"
          className="flex items-center gap-2"
          onSubmit={(event) => event.preventDefault()}
        >
          <label htmlFor={searchId} className="sr-only">
            Search transcript
          </label>
          <input
            id={searchId}
            type="search"
            value={query}
            placeholder="Search transcript"
            autoComplete="off"
            onChange={(event) => onQueryChange(event.target.value)}
            onKeyDown={(event) => {
              if (event.key === "Enter") {
                event.preventDefault();
                step(event.shiftKey ? -1 : 1);
              }
            }}
            className="w-44 rounded-lg border border-slate-300 px-3 py-1.5 text-sm focus:border-sky-500 focus:outline-none focus:ring-2 focus:ring-sky-200"
          />
          <span className="min-w-16 text-right text-sm tabular-nums text-slate-600" aria-live="polite" data-testid="transcript-match-count">
            {query.trim() === "" ? "" : matches.length === 0 ? "No matches" : `${matchIndex + 1} of ${matches.length}`}
          </span>
          <button
            type="button"
            onClick={() => step(-1)}
            disabled={matches.length === 0}
            aria-label="Previous match"
            className="rounded-md p-1 text-slate-600 hover:bg-slate-100 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-sky-600 disabled:opacity-40"
          >
            <svg aria-hidden="true" viewBox="0 0 20 20" fill="none" stroke="currentColor" strokeWidth="2" className="h-4 w-4">
              <path d="m5 12 5-5 5 5" strokeLinecap="round" strokeLinejoin="round" />
            </svg>
          </button>
          <button
            type="button"
            onClick={() => step(1)}
            disabled={matches.length === 0}
            aria-label="Next match"
            className="rounded-md p-1 text-slate-600 hover:bg-slate-100 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-sky-600 disabled:opacity-40"
          >
            <svg aria-hidden="true" viewBox="0 0 20 20" fill="none" stroke="currentColor" strokeWidth="2" className="h-4 w-4">
              <path d="m5 8 5 5 5-5" strokeLinecap="round" strokeLinejoin="round" />
            </svg>
          </button>
        </form>
      </div>

      {workspace && editingSpeakers ? (
        <SpeakerEditor
          callId={workspace.callId}
          speakers={speakerList.filter((speaker) => speakingIds.has(speaker.id))}
          onSaved={(saved) => {
            workspace.updateSpeakers(saved);
            setSpeakerAnnouncement("Speakers saved.");
          }}
          onClose={() => {
            focusEditSpeakersOnClose();
            setEditingSpeakers(false);
          }}
        />
      ) : null}

      <div className="relative mt-3">
        <div
          ref={scrollerRef}
          onScroll={onScroll}
          onFocus={(event) => setFocusedChunk(Number((event.target as HTMLElement).closest<HTMLElement>("[data-chunk]")?.dataset.chunk ?? -1))}
          className="max-h-[32rem] overflow-y-auto overscroll-contain rounded-xl border border-slate-100 px-2 py-2"
          data-testid="transcript-scroller"
        >
          {chunks.map((range, index) => {
            const mounted =
              windowing.near.has(index) ||
              index === activeChunk ||
              index === matchChunk ||
              index === focusedChunk ||
              index === revealedChunk ||
              index === linkedChunk;
            if (!mounted) {
              const height = windowing.heights.get(index) ?? estimateChunkHeight(segments.slice(range.start, range.end));
              return <div key={index} data-chunk={index} style={{ height }} aria-hidden="true" />;
            }
            const firstWord = wordOffsets[range.start] ?? 0;
            const lastWord = range.end < segments.length ? (wordOffsets[range.end] ?? 0) : Number.POSITIVE_INFINITY;
            const inChunk = (word: number) => word >= firstWord && word < lastWord;
            return (
              <div key={index} data-chunk={index}>
                <TranscriptChunk
                  segments={segments}
                  start={range.start}
                  end={range.end}
                  wordOffsets={wordOffsets}
                  speakers={speakers}
                  activeSegment={index === activeChunk ? activeSegment : -1}
                  revealedSegment={index === revealedChunk && revealed ? revealed.index : -1}
                  linkedSegment={index === linkedChunk ? linkedIndex : -1}
                  activeWord={inChunk(activeWord) ? activeWord : -1}
                  matchedWords={matchedWords}
                  currentMatch={currentMatch && inChunk(currentMatch.start) ? currentMatch : null}
                  onPlay={play}
                />
              </div>
            );
          })}
        </div>
        {!following && !activeInView && activeSegment >= 0 ? (
          <button
            type="button"
            onClick={backToCurrent}
            className="absolute bottom-3 left-1/2 -translate-x-1/2 rounded-full bg-slate-900 px-4 py-1.5 text-sm font-medium text-white shadow-lg hover:bg-slate-700 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-sky-600"
          >
            Back to current
          </button>
        ) : null}
      </div>
    </div>
  );
}

interface ChunkProps {
  segments: readonly Segment[];
  start: number;
  end: number;
  wordOffsets: readonly number[];
  speakers: Map<string, Speaker>;
  activeSegment: number;
  /** A segment shown from an action item's source, highlighted for a moment (-1: none here). */
  revealedSegment: number;
  /** The segment the page was opened at (a search result), highlighted while the page is open (-1: none here). */
  linkedSegment: number;
  activeWord: number;
  matchedWords: ReadonlySet<number>;
  currentMatch: SearchMatch | null;
  onPlay: (seconds: number) => void;
}

const TranscriptChunk = memo(function TranscriptChunk({
  segments,
  start,
  end,
  wordOffsets,
  speakers,
  activeSegment,
  revealedSegment,
  linkedSegment,
  activeWord,
  matchedWords,
  currentMatch,
  onPlay,
}: ChunkProps) {
  function onWordClick(event: MouseEvent<HTMLElement>) {
    const target = (event.target as HTMLElement).closest<HTMLElement>("[data-start]");
    if (target) onPlay(Number(target.dataset.start));
  }

  const rows = [];
  for (let index = start; index < end; index++) {
    const segment = segments[index]!;
    const speaker = speakers.get(segment.speakerId) ?? { name: "Unknown speaker", colour: "sky" as const, isMe: false };
    const colours = COLOUR_CLASSES[speaker.colour];
    const isActive = index === activeSegment;
    const isRevealed = index === revealedSegment;
    const isLinked = index === linkedSegment;
    const offset = wordOffsets[index] ?? 0;
    rows.push(
      <div
        key={segment.id}
        data-segment-index={index}
        data-testid="transcript-segment"
        data-segment-id={segment.id}
        data-segment-start={segment.start}
        data-revealed={isRevealed ? "true" : undefined}
        data-linked={isLinked ? "true" : undefined}
        aria-current={isActive ? "true" : undefined}
        className={`my-1 border-l-4 py-2 pl-3 pr-2 transition-colors motion-reduce:transition-none ${colours.border} ${
          isRevealed
            ? "rounded-r-lg bg-amber-100 ring-2 ring-amber-300"
            : isLinked
              ? "rounded-r-lg bg-amber-50 ring-2 ring-amber-300"
              : isActive
                ? "rounded-r-lg bg-sky-50"
                : ""
        }`}
      >
        <div className="flex items-baseline gap-2 text-sm">
          <span className={`font-semibold ${colours.text}`} data-testid="transcript-speaker">
            {speaker.name}
          </span>
          <button
            type="button"
            onClick={() => onPlay(segment.start)}
            aria-label={`Play from ${spokenTimestamp(segment.start)}, ${speaker.name}`}
            className="rounded px-1 font-mono text-xs text-slate-500 tabular-nums hover:bg-slate-100 hover:text-slate-900 focus-visible:outline-2 focus-visible:outline-offset-1 focus-visible:outline-sky-600"
          >
            {formatTimestamp(segment.start)}
          </button>
        </div>
        {/* Words are clickable for pointer users; keyboard users play from the segment's timestamp button. */}
        <p className="mt-0.5 leading-6 text-slate-800" onClick={onWordClick}>
          {segment.words.map((word, k) => {
            const global = offset + k;
            const isCurrentMatch = currentMatch !== null && global >= currentMatch.start && global < currentMatch.start + currentMatch.length;
            const highlight =
              global === activeWord
                ? "bg-yellow-200"
                : isCurrentMatch
                  ? "bg-orange-300"
                  : matchedWords.has(global)
                    ? "bg-orange-100"
                    : "hover:bg-slate-100";
            return (
              <span key={k}>
                <span
                  data-word={global}
                  data-start={word.start}
                  data-testid="transcript-word"
                  className={`cursor-pointer rounded-sm ${highlight}`}
                  aria-current={global === activeWord ? "true" : undefined}
                >
                  {word.text}
                </span>{" "}
              </span>
            );
          })}
        </p>
      </div>,
    );
  }
  return <>{rows}</>;
});

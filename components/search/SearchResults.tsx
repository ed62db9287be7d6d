"use client";

import Link from "next/link";
import { useState } from "react";
import { ApiError, requestJson } from "@/components/lib/http-client";
import { formatTimestamp, spokenTimestamp } from "@/components/calls/transcript-model";
import type { SearchHit, SearchPage } from "@/lib/search/service";
import { snippetParts, type Snippet } from "@/lib/search/snippet";

const KIND_LABEL: Record<SearchHit["kind"], string | null> = { segment: null, summary: "Summary", action_item: "Action item" };

/** The matched words as <mark>; everything is React text, never HTML. */
export function SnippetText({ snippet }: { snippet: Snippet }) {
  return (
    <>
      {snippetParts(snippet).map((part, index) =>
        part.match ? (
          <mark key={index} className="rounded-sm bg-amber-200 px-0.5 text-slate-900">
            {part.text}
          </mark>
        ) : (
          <span key={index}>{part.text}</span>
        ),
      )}
    </>
  );
}

/** Consecutive results of one call, shown under one heading (results arrive newest call first). */
function groupByCall(items: SearchHit[]): { call: SearchHit["call"]; hits: SearchHit[] }[] {
  const groups: { call: SearchHit["call"]; hits: SearchHit[] }[] = [];
  for (const hit of items) {
    const last = groups.at(-1);
    if (last && last.call.id === hit.call.id) last.hits.push(hit);
    else groups.push({ call: hit.call, hits: [hit] });
  }
  return groups;
}

function speakerOf(hit: SearchHit): string | null {
  if (!hit.speaker) return null;
  return hit.speaker.name?.trim() || hit.speaker.label || null;
}

function recordedOn(iso: string): string {
  return new Intl.DateTimeFormat("en-GB", { day: "numeric", month: "short", year: "numeric", timeZone: "UTC" }).format(new Date(iso));
}

function Hit({ hit }: { hit: SearchHit }) {
  const speaker = speakerOf(hit);
  const kind = KIND_LABEL[hit.kind];
  const at = hit.startSeconds !== null ? hit.startSeconds : null;
  return (
    <li>
      <Link
        href={hit.href}
        className="block rounded-lg px-3 py-2 hover:bg-slate-50 focus-visible:outline-2 focus-visible:outline-offset-1 focus-visible:outline-sky-600"
        data-testid="search-result"
      >
        <span className="flex flex-wrap items-baseline gap-x-2 text-sm">
          {kind ? <span className="rounded-full bg-slate-100 px-2 py-px text-xs font-medium text-slate-700">{kind}</span> : null}
          {speaker ? (
            <span className="font-semibold text-slate-800" data-testid="search-result-speaker">
              {speaker}
            </span>
          ) : null}
          {at !== null ? (
            <span className="font-mono text-xs tabular-nums text-slate-500">
              <span className="sr-only">at {spokenTimestamp(at)}</span>
              <span aria-hidden="true">{formatTimestamp(at)}</span>
            </span>
          ) : null}
        </span>
        <span className="mt-0.5 block break-words leading-6 text-slate-800" data-testid="search-result-snippet">
          <SnippetText snippet={hit.snippet} />
        </span>
      </Link>
    </li>
  );
}

/** The first page comes from the server; "Load more" asks `GET /api/search` for the next. */
export function SearchResults({ query, initial }: { query: string; initial: SearchPage }) {
  const [items, setItems] = useState(initial.items);
  const [cursor, setCursor] = useState(initial.nextCursor);
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<string | null>(null);

  async function loadMore() {
    if (!cursor) return;
    setLoading(true);
    setError(null);
    try {
      const next = await requestJson<SearchPage>(`/api/search?${new URLSearchParams({ q: query, cursor }).toString()}`);
      setItems((current) => [...current, ...next.items.filter((hit) => !current.some((known) => known.id === hit.id))]);
      setCursor(next.nextCursor);
    } catch (caught) {
      setError(caught instanceof ApiError ? caught.message : "More results could not be loaded. Check your connection and try again.");
    } finally {
      setLoading(false);
    }
  }

  return (
    <div>
      <ol className="space-y-4" aria-label="Search results" data-testid="search-results">
        {groupByCall(items).map((group, index) => (
          <li key={`${group.call.id}-${index}`} className="rounded-2xl border border-slate-200 bg-white p-4 shadow-sm">
            <h2 className="flex flex-wrap items-baseline justify-between gap-x-3 px-3 text-base font-semibold">
              <Link href={`/calls/${encodeURIComponent(group.call.id)}`} className="rounded text-slate-900 hover:underline">
                {group.call.title}
              </Link>
              <time dateTime={group.call.recordedAt} className="text-sm font-normal text-slate-500">
                {recordedOn(group.call.recordedAt)}
              </time>
            </h2>
            <ul className="mt-2 divide-y divide-slate-100">
              {group.hits.map((hit) => (
                <Hit key={hit.id} hit={hit} />
              ))}
            </ul>
          </li>
        ))}
      </ol>
      {error ? (
        <p role="alert" className="mt-4 rounded-lg bg-red-50 px-4 py-3 text-sm text-red-800">
          {error}
        </p>
      ) : null}
      {cursor ? (
        <div className="mt-6 text-center">
          <button
            type="button"
            onClick={loadMore}
            disabled={loading}
            className="rounded-lg bg-white px-4 py-2 text-sm font-semibold text-slate-800 shadow-sm ring-1 ring-inset ring-slate-300 hover:bg-slate-50 disabled:opacity-60"
          >
            {loading ? "Loading…" : error ? "Try again" : "Load more results"}
          </button>
        </div>
      ) : items.length > 0 ? (
        <p className="mt-6 text-center text-sm text-slate-500">That is every match.</p>
      ) : null}
    </div>
  );
}

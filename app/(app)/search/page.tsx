import type { Metadata } from "next";
import Link from "next/link";
import { SearchResults } from "@/components/search/SearchResults";
import { getDb } from "@/db";
import { requirePageUser } from "@/lib/auth/session";
import { MAX_SEARCH_QUERY_LENGTH } from "@/lib/search/query";
import { searchCalls, type SearchPage } from "@/lib/search/service";
import { stripUnsafeText } from "@/lib/validation/input";

export const metadata: Metadata = { title: "Search" };

type Props = { searchParams: Promise<Record<string, string | string[] | undefined>> };

/** The query from the URL, leniently: a hand-edited URL never fails the page (DESIGN.md, input at the edge). */
function queryFrom(params: Record<string, string | string[] | undefined>): { q: string; tooLong: boolean } {
  const raw = params.q;
  const q = stripUnsafeText(typeof raw === "string" ? raw : Array.isArray(raw) ? (raw[0] ?? "") : "").trim();
  return { q, tooLong: q.length > MAX_SEARCH_QUERY_LENGTH };
}

function Tips() {
  return (
    <ul className="mx-auto mt-3 max-w-md space-y-1 text-left text-sm text-slate-600">
      <li>
        <code className="rounded bg-slate-100 px-1">&quot;next steps&quot;</code> finds the words together, in that order
      </li>
      <li>
        <code className="rounded bg-slate-100 px-1">invoice or payment</code> finds either word
      </li>
      <li>
        <code className="rounded bg-slate-100 px-1">budget -marketing</code> leaves out what mentions marketing
      </li>
    </ul>
  );
}

function Notice({ title, children, testId }: { title: string; children?: React.ReactNode; testId: string }) {
  return (
    <section className="rounded-2xl border border-slate-200 bg-white px-6 py-10 text-center" data-testid={testId}>
      <h2 className="text-base font-medium">{title}</h2>
      {children}
    </section>
  );
}

export default async function SearchPageRoute({ searchParams }: Props) {
  const { q, tooLong } = queryFrom(await searchParams);
  const user = await requirePageUser(q ? `/search?${new URLSearchParams({ q }).toString()}` : "/search");

  let page: SearchPage | null = null;
  let failed = false;
  if (q && !tooLong) {
    try {
      page = await searchCalls(await getDb(), { userId: user.id, query: q });
    } catch (error) {
      console.error("[search] the search failed", error);
      failed = true;
    }
  }

  return (
    <div>
      <h1 className="text-2xl font-semibold tracking-tight">Search</h1>
      <p className="mt-1 text-sm text-slate-600">Find words in the transcripts, summaries and action items of all your calls.</p>
      {/* A GET form: the query is in the URL, so results can be linked to and Back works. */}
      <form role="search" action="/search" method="get" className="mt-6 flex flex-col gap-2 sm:flex-row">
        <label htmlFor="search-q" className="sr-only">
          Search your calls
        </label>
        <input
          id="search-q"
          name="q"
          type="search"
          defaultValue={q}
          maxLength={MAX_SEARCH_QUERY_LENGTH}
          placeholder={'Words, "a phrase", this or that, -without'}
          autoComplete="off"
          autoFocus={!q}
          className="min-w-0 flex-1 rounded-lg border border-slate-300 px-3 py-2 text-base focus:border-sky-500 focus:outline-none focus:ring-2 focus:ring-sky-200"
        />
        <button type="submit" className="rounded-lg bg-brand-600 px-4 py-2 text-sm font-semibold text-white shadow-sm hover:bg-brand-700">
          Search
        </button>
      </form>

      <div className="mt-6">
        {!q ? (
          <Notice title="Search across your calls" testId="search-empty">
            <p className="mx-auto mt-2 max-w-md text-sm text-slate-600">Type a word someone said, a name, or a phrase in quotes.</p>
            <Tips />
          </Notice>
        ) : tooLong ? (
          <Notice title="That search is too long" testId="search-too-long">
            <p className="mt-2 text-sm text-slate-600">Use at most {MAX_SEARCH_QUERY_LENGTH} characters.</p>
          </Notice>
        ) : failed || !page ? (
          <div role="alert" className="rounded-2xl border border-red-200 bg-red-50 px-6 py-8 text-center text-red-900" data-testid="search-error">
            <p className="font-medium">The search could not be run.</p>
            <p className="mt-1 text-sm">Nothing was lost. Try again in a moment.</p>
            <Link href={`/search?${new URLSearchParams({ q }).toString()}`} className="mt-4 inline-flex rounded-lg bg-white px-4 py-2 text-sm font-semibold text-red-800 shadow-sm ring-1 ring-inset ring-red-200 hover:bg-red-100">
              Try again
            </Link>
          </div>
        ) : page.noSearchableWords ? (
          <Notice title="Those words are too common to search for" testId="search-no-results">
            <p className="mx-auto mt-2 max-w-md text-sm text-slate-600">Words such as “the” or “and” are left out of the index. Add a more specific word.</p>
          </Notice>
        ) : page.items.length === 0 ? (
          <Notice title={`No matches for “${q}”`} testId="search-no-results">
            <p className="mx-auto mt-2 max-w-md text-sm text-slate-600">Only processed calls are searched. Try another word, or:</p>
            <Tips />
          </Notice>
        ) : (
          // A new query starts a new list (and a new cursor).
          <SearchResults key={q} query={q} initial={page} />
        )}
      </div>
    </div>
  );
}

import type { Metadata } from "next";
import { InboxView } from "@/components/action-items/InboxView";
import { inboxFiltersFromSearchParams, inboxHref } from "@/components/action-items/inbox-model";
import { getDb } from "@/db";
import { listActionItemPage, listActionItems } from "@/db/queries/action-items";
import { listCalls } from "@/db/queries/calls";
import { toActionItemJson } from "@/lib/action-items/serialize";
import { inboxFilter, todayIn } from "@/lib/action-items/service";
import { requirePageUser } from "@/lib/auth/session";
import { loadEnv } from "@/lib/env";

export const metadata: Metadata = { title: "Action items" };

/** How many recent calls the "Call" filter offers. */
const CALL_CHOICES = 100;

/**
 * The action-item inbox: every item across the user's calls, theirs first, with the filters in the URL. The
 * server renders against its own date; the browser fetches again with its local date when that differs.
 */
export default async function ActionItemsPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const filters = inboxFiltersFromSearchParams(await searchParams);
  const user = await requirePageUser(inboxHref(filters));
  const db = await getDb();
  const today = todayIn(loadEnv().timeZone);
  const [page, anyItem, calls] = await Promise.all([
    listActionItemPage(db, { userId: user.id, filter: inboxFilter(filters, today) }),
    listActionItems(db, { userId: user.id, filter: { limit: 1 } }),
    listCalls(db, { userId: user.id, limit: CALL_CHOICES, statuses: ["COMPLETED", "PROCESSING", "QUEUED", "FAILED"] }),
  ]);
  const items = page.rows.map((row) => toActionItemJson(row.item, row.call));
  const callChoices = calls.items.map((call) => ({ id: call.id, title: call.title }));
  // A call picked from a link (older than the list above) is still offered, by the title its items carry.
  if (filters.callId && !callChoices.some((call) => call.id === filters.callId)) {
    const title = items.find((item) => item.call?.id === filters.callId)?.call?.title;
    if (title) callChoices.unshift({ id: filters.callId, title });
  }

  return (
    <InboxView
      filters={filters}
      serverToday={today}
      initialItems={items}
      initialNextCursor={page.nextCursor}
      hasAnyItem={anyItem.length > 0}
      calls={callChoices}
      userName={user.displayName}
    />
  );
}

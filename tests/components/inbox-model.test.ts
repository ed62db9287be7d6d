import { describe, expect, it } from "vitest";
import {
  DEFAULT_INBOX_FILTERS,
  emptyInboxMessage,
  hasNonDefaultFilters,
  inboxApiUrl,
  inboxFiltersFromSearchParams,
  inboxHref,
} from "@/components/action-items/inbox-model";

describe("inbox filters", () => {
  it("defaults to open items of everyone, any due date", () => {
    expect(inboxFiltersFromSearchParams({})).toEqual(DEFAULT_INBOX_FILTERS);
    expect(inboxHref(DEFAULT_INBOX_FILTERS)).toBe("/action-items");
    expect(hasNonDefaultFilters(DEFAULT_INBOX_FILTERS)).toBe(false);
  });
  it("reads the URL leniently and writes it back", () => {
    const filters = inboxFiltersFromSearchParams({ status: "done", owner: "me", due: "OVERDUE", call: "abc" });
    expect(filters).toEqual({ status: "DONE", owner: "me", due: "overdue", callId: "abc" });
    expect(inboxHref(filters)).toBe("/action-items?status=done&owner=me&due=overdue&call=abc");
    expect(inboxFiltersFromSearchParams({ status: "bogus", owner: "x", due: ["week", "none"] })).toEqual({ ...DEFAULT_INBOX_FILTERS, due: "week" });
    expect(inboxFiltersFromSearchParams({ status: "all" }).status).toBe("all");
  });
  it("builds the API and export URLs with the viewer's date", () => {
    expect(inboxApiUrl(DEFAULT_INBOX_FILTERS, "2026-12-02")).toBe("/api/action-items?status=OPEN&owner=all&due=any&today=2026-12-02");
    expect(inboxApiUrl({ status: "all", owner: "me", due: "week", callId: "c1" }, "2026-12-02", "csv")).toBe(
      "/api/action-items?status=all&owner=me&due=week&today=2026-12-02&callId=c1&format=csv",
    );
  });
  it("says what is empty", () => {
    expect(emptyInboxMessage(DEFAULT_INBOX_FILTERS)).toBe("No open action items.");
    expect(emptyInboxMessage({ status: "all", owner: "me", due: "overdue", callId: null })).toBe("No action items assigned to you that are overdue.");
  });
});

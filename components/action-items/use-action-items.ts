"use client";

import { useCallback, useLayoutEffect, useRef, useState } from "react";
import { useOnValueChange } from "@/components/hooks/use-resettable-state";
import type { ActionItemJson } from "@/lib/action-items/types";
import { applyPatch, describeChange, type ActionItemPatchBody, type PatchContext } from "./action-item-model";
import { ApiError, deleteActionItem, errorMessage, patchActionItem } from "./api";

/**
 * A list of action items with optimistic changes: the list shows a change at once, the server's answer
 * replaces it, and a failure puts the item back as it was with an error message (role=alert) and an
 * announcement. Items finished during this visit stay in place (ticked) until the page is loaded again.
 */
export function useActionItems(serverItems: ActionItemJson[], context: (item: ActionItemJson) => PatchContext) {
  const [items, setItems] = useState(serverItems);
  const [pendingIds, setPendingIds] = useState<ReadonlySet<string>>(() => new Set());
  // Fresh items from the server (a refresh or a poll) replace ours, except those with a change in flight.
  useOnValueChange(serverItems, () =>
    setItems(pendingIds.size === 0 ? serverItems : serverItems.map((fresh) => (pendingIds.has(fresh.id) ? (items.find((item) => item.id === fresh.id) ?? fresh) : fresh))),
  );
  const [error, setError] = useState<string | null>(null);
  const [announcement, setAnnouncement] = useState("");
  const [keepInPlace, setKeepInPlace] = useState<ReadonlySet<string>>(() => new Set());
  const contextRef = useRef(context);
  useLayoutEffect(() => {
    contextRef.current = context;
  });

  const announce = useCallback((message: string) => {
    // The same words twice in a row are still read out.
    setAnnouncement((current) => (current === message ? `${message}\u00a0` : message));
  }, []);

  const markPending = useCallback((id: string, pending: boolean) => {
    setPendingIds((current) => {
      const next = new Set(current);
      if (pending) next.add(id);
      else next.delete(id);
      return next;
    });
  }, []);

  const update = useCallback(
    async (item: ActionItemJson, patch: ActionItemPatchBody, wording?: { done?: string; failed?: string }): Promise<boolean> => {
      if (Object.keys(patch).length === 0) return true;
      const before = item;
      setError(null);
      if (patch.status === "DONE") setKeepInPlace((current) => new Set(current).add(item.id));
      markPending(item.id, true);
      setItems((current) => current.map((candidate) => (candidate.id === item.id ? applyPatch(candidate, patch, contextRef.current(candidate)) : candidate)));
      try {
        const saved = await patchActionItem(item.id, patch);
        setItems((current) => current.map((candidate) => (candidate.id === item.id ? saved : candidate)));
        announce(wording?.done ?? `${describeChange(patch)}: ${saved.title}`);
        return true;
      } catch (caught) {
        setItems((current) => current.map((candidate) => (candidate.id === item.id ? before : candidate)));
        const what = wording?.failed ?? `“${item.title}” could not be ${describeChange(patch).toLowerCase()}`;
        const message = `${what}. ${errorMessage(caught, "Try again.")}`;
        setError(message);
        announce(`Not saved: ${message}`);
        return false;
      } finally {
        markPending(item.id, false);
      }
    },
    [announce, markPending],
  );

  const remove = useCallback(
    async (item: ActionItemJson): Promise<boolean> => {
      setError(null);
      let index = -1;
      markPending(item.id, true);
      setItems((current) => {
        index = current.findIndex((candidate) => candidate.id === item.id);
        return current.filter((candidate) => candidate.id !== item.id);
      });
      try {
        await deleteActionItem(item.id);
      } catch (caught) {
        // Already gone (another tab): what the user asked for.
        if (!(caught instanceof ApiError && caught.status === 404)) {
          setItems((current) => {
            if (current.some((candidate) => candidate.id === item.id)) return current;
            const next = [...current];
            next.splice(index < 0 ? next.length : Math.min(index, next.length), 0, item);
            return next;
          });
          const message = `“${item.title}” could not be deleted. ${errorMessage(caught, "Try again.")}`;
          setError(message);
          announce(`Not deleted: ${message}`);
          markPending(item.id, false);
          return false;
        }
      }
      markPending(item.id, false);
      announce(`Deleted: ${item.title}`);
      return true;
    },
    [announce, markPending],
  );

  const added = useCallback(
    (item: ActionItemJson) => {
      setError(null);
      setItems((current) => [...current, item]);
      announce(`Added: ${item.title}`);
    },
    [announce],
  );

  /** Owner names changed on the server (a speaker was renamed): take them, keep everything else ours. */
  const refreshOwners = useCallback((fresh: ActionItemJson[]) => {
    const owners = new Map(fresh.map((item) => [item.id, item.owner]));
    setItems((current) => current.map((item) => (owners.has(item.id) ? { ...item, owner: owners.get(item.id)! } : item)));
  }, []);

  return {
    items,
    error,
    dismissError: () => setError(null),
    announcement,
    announce,
    keepInPlace,
    update,
    remove,
    added,
    refreshOwners,
    setItems,
  };
}

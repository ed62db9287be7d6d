import { afterEach, describe, expect, it, vi } from "vitest";
import { ApiError, requestJson } from "@/components/lib/http-client";

afterEach(() => {
  vi.unstubAllGlobals();
});

function stubFetch(response: Response | Error) {
  const fetchMock = vi.fn(async () => {
    if (response instanceof Error) throw response;
    return response;
  });
  vi.stubGlobal("fetch", fetchMock);
  return fetchMock;
}

describe("requestJson", () => {
  it("asks for JSON, uncached, and answers the body", async () => {
    const fetchMock = stubFetch(Response.json({ call: { id: "c1" } }));
    await expect(requestJson("/api/calls/c1")).resolves.toEqual({ call: { id: "c1" } });
    expect(fetchMock).toHaveBeenCalledWith("/api/calls/c1", { cache: "no-store", headers: { Accept: "application/json" } });
  });

  it("sends a body as JSON, keeping the caller's method and headers", async () => {
    const fetchMock = stubFetch(Response.json({ ok: true }));
    await requestJson("/api/x", { method: "PATCH", body: "{}", headers: { "X-Test": "1" } });
    expect(fetchMock).toHaveBeenCalledWith("/api/x", {
      method: "PATCH",
      body: "{}",
      cache: "no-store",
      headers: { Accept: "application/json", "Content-Type": "application/json", "X-Test": "1" },
    });
  });

  it("answers undefined for 204", async () => {
    stubFetch(new Response(null, { status: 204 }));
    await expect(requestJson("/api/x", { method: "DELETE" })).resolves.toBeUndefined();
  });

  it("turns an error body into an ApiError with its code, message and field details", async () => {
    stubFetch(Response.json({ error: { code: "VALIDATION", message: "Bad input.", details: [{ path: "title", message: "too long" }] } }, { status: 400 }));
    const error = await requestJson("/api/x").catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ status: 400, code: "VALIDATION", message: "Bad input.", details: [{ path: "title", message: "too long" }] });
  });

  it("describes a failure without a JSON body by its status", async () => {
    stubFetch(new Response("oops", { status: 502 }));
    await expect(requestJson("/api/x")).rejects.toMatchObject({ status: 502, code: "HTTP_ERROR", message: "The server answered 502.", details: undefined });
  });

  it("reports an unreachable server as status 0, NETWORK", async () => {
    stubFetch(new TypeError("fetch failed"));
    await expect(requestJson("/api/x")).rejects.toMatchObject({ status: 0, code: "NETWORK" });
  });
});

import fs from "node:fs";
import path from "node:path";
import { expect, request as playwrightRequest, test, type APIRequestContext } from "@playwright/test";
import { E2E } from "../playwright.config";
import { makeAudio } from "../tests/helpers/make-audio";
import { signFirebaseToken, signInWithFirebaseToken } from "./support/firebase-tokens";

/**
 * Access control for every route handler, page and server action in app/. Each one needs an entry
 * below; the first test fails when a new one is added without a case.
 */

interface World {
  anon: APIRequestContext;
  alice: APIRequestContext;
  bob: APIRequestContext;
  aliceCallId: string;
  aliceUploadUrl: string;
}

type AccessCase = { public: string } | { check: (world: World) => Promise<void> };

/** Alice's call title as it appears in HTML (the apostrophe is escaped), and an item on her call. */
const ALICE_TITLE = "Alice's private call";
const ALICE_TITLE_HTML = "private call";
const ALICE_ITEM = "Secret item of Alice: wire the escrow";

const CASES: Record<string, AccessCase> = {
  "route /api/auth/[...nextauth]": { public: "Auth.js sign-in, CSRF and session endpoints" },
  "action app/sign-in/actions.ts#signInAsLocalDev": { public: "signing in; refused by config when local-dev is off" },
  "action app/sign-in/actions.ts#signOutAction": { public: "signing out only clears the caller's own cookie" },
  "action app/sign-in/actions.ts#signOutEverywhereAction": {
    public: "ends only the caller's own sessions: the user id comes from the caller's session, never from input (e2e/hardening.spec.ts tests it)",
  },
  "page /": { public: "landing page" },
  "page /sign-in": { public: "sign-in page" },

  "route /api/calls": {
    async check({ anon, bob, aliceCallId }) {
      expect((await anon.get("/api/calls")).status()).toBe(401);
      expect((await anon.post("/api/calls", { multipart: { title: "x" } })).status()).toBe(401);
      const bobsList = (await (await bob.get("/api/calls?status=QUEUED,PROCESSING,COMPLETED,FAILED,UPLOADING")).json()) as {
        items: { id: string }[];
      };
      expect(bobsList.items.map((call) => call.id)).not.toContain(aliceCallId);
    },
  },
  "route /api/calls/[id]": {
    async check({ anon, bob, alice, aliceCallId }) {
      const url = `/api/calls/${aliceCallId}`;
      expect((await anon.get(url)).status()).toBe(401);
      expect((await anon.patch(url, { data: { title: "x" } })).status()).toBe(401);
      expect((await anon.delete(url)).status()).toBe(401);
      const missing = await bob.get(`/api/calls/00000000-0000-4000-8000-000000000000`);
      const theirs = await bob.get(url);
      expect(theirs.status()).toBe(404);
      // Indistinguishable from a call that does not exist.
      expect(await theirs.json()).toEqual(await missing.json());
      expect((await bob.patch(url, { data: { title: "Hijacked" } })).status()).toBe(404);
      expect((await bob.delete(url)).status()).toBe(404);
      expect(((await (await alice.get(url)).json()) as { call: { title: string } }).call.title).not.toBe("Hijacked");
    },
  },
  "route /api/calls/[id]/audio": {
    async check({ anon, bob, alice, aliceCallId }) {
      const url = `/api/calls/${aliceCallId}/audio`;
      expect((await anon.get(url)).status()).toBe(401);
      expect((await bob.get(url)).status()).toBe(404);
      expect((await alice.get(url, { headers: { Range: "bytes=0-9" } })).status()).toBe(206);
    },
  },
  "route /api/calls/[id]/events": {
    async check({ anon, bob, alice, aliceCallId }) {
      const url = `/api/calls/${aliceCallId}/events`;
      expect((await anon.get(url)).status()).toBe(401);
      expect((await bob.get(url)).status()).toBe(404);
      expect((await alice.get(url)).status()).toBe(200);
    },
  },
  "route /api/calls/[id]/transcript": {
    async check({ anon, bob, alice, aliceCallId }) {
      const url = `/api/calls/${aliceCallId}/transcript?format=txt`;
      expect((await anon.get(url)).status()).toBe(401);
      const theirs = await bob.get(url);
      expect(theirs.status()).toBe(404);
      expect(((await theirs.json()) as { error: { message: string } }).error.message).toBe("Call not found.");
      // Alice gets her transcript, or "not ready yet" while her call is still being processed.
      expect([200, 404]).toContain((await alice.get(url)).status());
    },
  },
  "route /api/calls/[id]/retry": {
    async check({ anon, bob, alice, aliceCallId }) {
      const url = `/api/calls/${aliceCallId}/retry`;
      expect((await anon.post(url)).status()).toBe(401);
      expect((await bob.post(url)).status()).toBe(404);
      // Alice may retry her own call only once its processing failed (202); otherwise 409.
      expect([202, 409]).toContain((await alice.post(url)).status());
    },
  },
  "route /api/calls/[id]/action-items": {
    async check({ anon, bob, alice, aliceCallId }) {
      const url = `/api/calls/${aliceCallId}/action-items`;
      expect((await anon.get(url)).status()).toBe(401);
      expect((await anon.post(url, { data: { title: "x" } })).status()).toBe(401);
      const missing = await bob.get(`/api/calls/00000000-0000-4000-8000-000000000000/action-items`);
      const theirs = await bob.get(url);
      expect(theirs.status()).toBe(404);
      expect(await theirs.json()).toEqual(await missing.json());
      expect((await bob.post(url, { data: { title: "Planted by Bob" } })).status()).toBe(404);
      const own = (await (await alice.get(url)).json()) as { items: { title: string }[] };
      expect(own.items.map((item) => item.title)).not.toContain("Planted by Bob");
      expect((await alice.post(url, { data: { title: "Alice's own item" } })).status()).toBe(201);
    },
  },
  "route /api/action-items/[id]": {
    async check({ anon, bob, alice, aliceCallId }) {
      const created = await alice.post(`/api/calls/${aliceCallId}/action-items`, { data: { title: "Keep me" } });
      const { item } = (await created.json()) as { item: { id: string } };
      const url = `/api/action-items/${item.id}`;
      expect((await anon.patch(url, { data: { title: "x" } })).status()).toBe(401);
      expect((await anon.delete(url)).status()).toBe(401);
      const missing = await bob.patch(`/api/action-items/00000000-0000-4000-8000-000000000000`, { data: { title: "Hijacked" } });
      const theirs = await bob.patch(url, { data: { title: "Hijacked" } });
      expect(theirs.status()).toBe(404);
      expect(await theirs.json()).toEqual(await missing.json());
      expect((await bob.delete(url)).status()).toBe(404);
      const list = (await (await alice.get(`/api/calls/${aliceCallId}/action-items`)).json()) as { items: { id: string; title: string }[] };
      expect(list.items.find((candidate) => candidate.id === item.id)?.title).toBe("Keep me");
      expect((await alice.delete(url)).status()).toBe(204);
    },
  },
  "route /api/action-items": {
    async check({ anon, bob, alice, aliceCallId }) {
      expect((await anon.get("/api/action-items")).status()).toBe(401);
      expect((await anon.get("/api/action-items?format=csv")).status()).toBe(401);
      await alice.post(`/api/calls/${aliceCallId}/action-items`, { data: { title: "Only for Alice", dueDate: "2030-01-02" } });
      const bobs = (await (await bob.get("/api/action-items?status=all")).json()) as { items: { title: string }[] };
      expect(bobs.items.map((item) => item.title)).not.toContain("Only for Alice");
      expect(await (await bob.get("/api/action-items?format=csv")).text()).not.toContain("Only for Alice");
      expect(await (await bob.get("/api/action-items?format=ics")).text()).not.toContain("Only for Alice");
      const alices = (await (await alice.get("/api/action-items?status=all")).json()) as { items: { title: string }[] };
      expect(alices.items.map((item) => item.title)).toContain("Only for Alice");
    },
  },
  "route /api/calls/[id]/speakers": {
    async check({ anon, bob, alice, aliceCallId }) {
      const url = `/api/calls/${aliceCallId}/speakers`;
      expect((await anon.get(url)).status()).toBe(401);
      expect((await anon.patch(url, { data: { edits: [{ speakerId: "S1", displayName: "x" }] } })).status()).toBe(401);
      const theirs = await bob.get(url);
      expect(theirs.status()).toBe(404);
      expect(((await theirs.json()) as { error: { message: string } }).error.message).toBe("Call not found.");
      expect((await bob.patch(url, { data: { edits: [{ speakerId: "S1", displayName: "Hijacked" }] } })).status()).toBe(404);
      expect([200, 404]).toContain((await alice.get(url)).status());
    },
  },
  "route /api/calls/[id]/speakers/[speakerId]": {
    async check({ anon, bob, alice, aliceCallId }) {
      const url = `/api/calls/${aliceCallId}/speakers/S1`;
      expect((await anon.patch(url, { data: { displayName: "x" } })).status()).toBe(401);
      const theirs = await bob.patch(url, { data: { displayName: "Hijacked" } });
      expect(theirs.status()).toBe(404);
      expect(((await theirs.json()) as { error: { message: string } }).error.message).toBe("Call not found.");
      // Alice renames her own speaker, or hears "not ready yet" while the call is being processed; S1 may not exist.
      expect([200, 404]).toContain((await alice.patch(url, { data: { displayName: "Sam" } })).status());
    },
  },
  "route /api/calls/[id]/reanalyze": {
    async check({ anon, bob, alice, aliceCallId }) {
      const url = `/api/calls/${aliceCallId}/reanalyze`;
      expect((await anon.post(url)).status()).toBe(401);
      expect((await bob.post(url)).status()).toBe(404);
      // Alice may have her own call analysed again once it is processed (202); before that, 409.
      expect([202, 409]).toContain((await alice.post(url)).status());
    },
  },
  "route /api/inngest": {
    async check({ anon, alice }) {
      // Embedded mode: the engine calls the functions in-process; the unsigned handler is never reachable.
      for (const ctx of [anon, alice]) {
        expect((await ctx.get("/api/inngest")).status()).toBe(404);
        expect((await ctx.post("/api/inngest", { data: {} })).status()).toBe(404);
        expect((await ctx.put("/api/inngest", { data: {} })).status()).toBe(404);
      }
    },
  },
  // Vercel Blob direct uploads. The e2e server stores locally, where these answer 404 after the sign-in
  // check; who may get a token for which key is tested against a Blob API stub in tests/calls/blob-direct.test.ts.
  "route /api/uploads/blob": {
    async check({ anon, bob }) {
      const tokenRequest = { type: "blob.generate-client-token", payload: { pathname: "x", multipart: false, clientPayload: null } };
      expect((await anon.post("/api/uploads/blob", { data: tokenRequest })).status()).toBe(404);
      expect((await bob.post("/api/uploads/blob", { data: tokenRequest })).status()).toBe(404);
    },
  },
  "route /api/uploads/blob/begin": {
    async check({ anon, bob }) {
      const begin = { filename: "a.wav", size: 1000, extension: "wav" };
      expect((await anon.post("/api/uploads/blob/begin", { data: begin })).status()).toBe(401);
      expect((await bob.post("/api/uploads/blob/begin", { data: begin })).status()).toBe(404);
    },
  },
  "route /api/uploads/blob/complete": {
    async check({ anon, bob, aliceCallId }) {
      const complete = { callId: aliceCallId, size: 1000, pathname: "x" };
      expect((await anon.post("/api/uploads/blob/complete", { data: complete })).status()).toBe(401);
      expect((await bob.post("/api/uploads/blob/complete", { data: complete })).status()).toBe(404);
    },
  },
  "route /api/uploads/[[...path]]": {
    async check({ anon, bob, alice, aliceUploadUrl }) {
      const tus = { "Tus-Resumable": "1.0.0" };
      expect((await anon.post("/api/uploads", { headers: { ...tus, "Upload-Length": "10" } })).status()).toBe(401);
      expect((await anon.head(aliceUploadUrl, { headers: tus })).status()).toBe(401);
      expect((await bob.head(aliceUploadUrl, { headers: tus })).status()).toBe(404);
      const patch = { ...tus, "Upload-Offset": "0", "Content-Type": "application/offset+octet-stream" };
      expect((await bob.patch(aliceUploadUrl, { headers: patch, data: Buffer.from("RIFF") })).status()).toBe(404);
      expect((await bob.delete(aliceUploadUrl, { headers: tus })).status()).toBe(404);
      expect((await alice.head(aliceUploadUrl, { headers: tus })).status()).toBe(200);
    },
  },
  "route /api/voice-profile": {
    async check({ anon, bob, alice }) {
      expect((await anon.get("/api/voice-profile")).status()).toBe(401);
      expect((await anon.post("/api/voice-profile", { multipart: { sample: { name: "a.wav", mimeType: "audio/wav", buffer: Buffer.from("RIFF") } } })).status()).toBe(401);
      expect((await anon.delete("/api/voice-profile")).status()).toBe(401);
      // Alice consents; Bob sees only his own (absent) consent, and his DELETE removes nothing of hers.
      const version = ((await (await alice.get("/api/voice-profile")).json()) as { consent: { currentVersion: string } }).consent.currentVersion;
      expect((await alice.post("/api/voice-profile/consent", { data: { version } })).status()).toBe(200);
      const bobs = (await (await bob.get("/api/voice-profile")).json()) as { consent: { current: boolean; consentedVersion: string | null }; profile: unknown };
      expect(bobs.consent).toMatchObject({ current: false, consentedVersion: null });
      expect(bobs.profile).toBeNull();
      expect((await bob.delete("/api/voice-profile")).status()).toBe(204);
      // Without his own consent Bob cannot send a sample (nothing is stored).
      expect((await bob.post("/api/voice-profile", { multipart: { sample: { name: "a.wav", mimeType: "audio/wav", buffer: fs.readFileSync(await makeAudio("wav")) } } })).status()).toBe(409);
      const alices = await (await alice.get("/api/voice-profile")).text();
      expect(JSON.parse(alices)).toMatchObject({ consent: { current: true, consentedVersion: version } });
      expect(alices).not.toMatch(/embedding/i);
    },
  },
  "route /api/voice-profile/consent": {
    async check({ anon, bob }) {
      expect((await anon.post("/api/voice-profile/consent", { data: { version: "x" } })).status()).toBe(401);
      // A version that is not the current text's is refused.
      expect((await bob.post("/api/voice-profile/consent", { data: { version: "not-the-current-version" } })).status()).toBe(409);
    },
  },
  "route /api/voice-profile/apply": {
    async check({ anon, bob }) {
      expect((await anon.post("/api/voice-profile/apply")).status()).toBe(401);
      // Bob has no profile: nothing to apply (another user's profile is never used for him).
      expect((await bob.post("/api/voice-profile/apply")).status()).toBe(409);
    },
  },
  // API tokens: managed by the session only (a token gets 403); another user's token id is 404.
  "route /api/tokens": {
    async check({ anon, alice, bob }) {
      expect((await anon.get("/api/tokens")).status()).toBe(401);
      expect((await anon.post("/api/tokens", { data: { name: "anon", scope: "read" } })).status()).toBe(401);
      const created = await alice.post("/api/tokens", { data: { name: "Alice's secret script", scope: "read" } });
      expect(created.status()).toBe(201);
      const { token, apiToken } = (await created.json()) as { token: string; apiToken: { id: string } };
      const bobs = await (await bob.get("/api/tokens")).text();
      for (const secret of [apiToken.id, token, "Alice's secret script"]) expect(bobs).not.toContain(secret);
      const alices = await (await alice.get("/api/tokens")).text();
      expect(alices).toContain(apiToken.id);
      expect(alices).not.toContain(token);
      // A token cannot manage tokens, even its own user's.
      expect((await anon.get("/api/tokens", { headers: { Authorization: `Bearer ${token}` } })).status()).toBe(403);
    },
  },
  "route /api/tokens/[id]": {
    async check({ anon, alice, bob }) {
      const { token, apiToken } = (await (await alice.post("/api/tokens", { data: { name: "Keep me", scope: "read" } })).json()) as { token: string; apiToken: { id: string } };
      const url = `/api/tokens/${apiToken.id}`;
      expect((await anon.delete(url)).status()).toBe(401);
      const theirs = await bob.delete(url);
      const missing = await bob.delete("/api/tokens/00000000-0000-4000-8000-000000000000");
      expect(theirs.status()).toBe(404);
      expect(await theirs.json()).toEqual(await missing.json());
      // Still Alice's and still working.
      expect((await anon.get("/api/calls", { headers: { Authorization: `Bearer ${token}` } })).status()).toBe(200);
      expect((await alice.delete(url)).status()).toBe(204);
      expect((await anon.get("/api/calls", { headers: { Authorization: `Bearer ${token}` } })).status()).toBe(401);
    },
  },
  "route /api/openapi.json": { public: "the API description: no user data" },
  "page /settings/tokens": {
    async check({ anon, alice, bob }) {
      const response = await anon.get("/settings/tokens", { maxRedirects: 0 });
      expect(response.status()).toBe(307);
      expect(response.headers().location).toContain("/sign-in?callbackUrl=%2Fsettings%2Ftokens");
      expect((await alice.post("/api/tokens", { data: { name: "Alice page token", scope: "read" } })).status()).toBe(201);
      expect(await (await alice.get("/settings/tokens")).text()).toContain("Alice page token");
      const bobs = await bob.get("/settings/tokens");
      expect(bobs.status()).toBe(200);
      expect(await bobs.text()).not.toContain("Alice page token");
    },
  },
  "page /voice-profile": {
    async check({ anon, alice }) {
      const response = await anon.get("/voice-profile", { maxRedirects: 0 });
      expect(response.status()).toBe(307);
      expect(response.headers().location).toContain("/sign-in?callbackUrl=%2Fvoice-profile");
      expect((await alice.get("/voice-profile")).status()).toBe(200);
    },
  },
  "page /calls": {
    async check({ anon, alice, bob }) {
      const response = await anon.get("/calls", { maxRedirects: 0 });
      expect(response.status()).toBe(307);
      expect(response.headers().location).toContain("/sign-in?callbackUrl=%2Fcalls");
      // Bob's list, searched for Alice's words and with every status, never shows her call.
      expect(await (await alice.get("/calls")).text()).toContain(ALICE_TITLE_HTML);
      for (const query of ["", "?q=Alice", "?q=private", "?status=QUEUED,PROCESSING,COMPLETED,FAILED"]) {
        const bobs = await bob.get(`/calls${query}`);
        expect(bobs.status()).toBe(200);
        expect(await bobs.text(), `/calls${query}`).not.toContain(ALICE_TITLE_HTML);
      }
    },
  },
  "page /calls/[id]": {
    async check({ anon, bob, alice, aliceCallId }) {
      expect((await anon.get(`/calls/${aliceCallId}`, { maxRedirects: 0 })).status()).toBe(307);
      const theirs = await bob.get(`/calls/${aliceCallId}`);
      const missing = await bob.get(`/calls/00000000-0000-4000-8000-000000000000`);
      expect(theirs.status()).toBe(404);
      expect(missing.status()).toBe(404);
      // The same "not found" page as for a call that does not exist: her title, items and words nowhere in it.
      const html = await theirs.text();
      for (const page of [html, await missing.text()]) expect(page).toContain("This call does not exist or is not yours");
      for (const secret of [ALICE_TITLE_HTML, ALICE_ITEM]) expect(html).not.toContain(secret);
      const own = await alice.get(`/calls/${aliceCallId}`);
      expect(own.status()).toBe(200);
      expect(await own.text()).toContain(ALICE_TITLE_HTML);
    },
  },
  "page /action-items": {
    async check({ anon, alice, bob, aliceCallId }) {
      const response = await anon.get("/action-items", { maxRedirects: 0 });
      expect(response.status()).toBe(307);
      expect(response.headers().location).toContain("/sign-in?callbackUrl=%2Faction-items");
      const own = await alice.get("/action-items?status=all");
      expect(own.status()).toBe(200);
      expect(await own.text()).toContain(ALICE_ITEM);
      // Bob's inbox, also filtered by Alice's call, never shows her items or her call.
      for (const query of ["", "?status=all", "?status=all&owner=all", `?status=all&call=${aliceCallId}`, `?status=all&callId=${aliceCallId}`]) {
        const bobs = await bob.get(`/action-items${query}`);
        expect(bobs.status()).toBeLessThan(500);
        const text = await bobs.text();
        expect(text, `/action-items${query}`).not.toContain(ALICE_ITEM);
        expect(text, `/action-items${query}`).not.toContain(ALICE_TITLE_HTML);
      }
    },
  },
  // Settings → Speech: administrators only (SCRYON_ADMIN_EMAILS); Alice and Bob are none. e2e/speech-setup.spec.ts signs one in.
  "route /api/admin/speech": {
    async check({ anon, alice, bob }) {
      expect((await anon.get("/api/admin/speech")).status()).toBe(401);
      for (const ctx of [alice, bob]) {
        const response = await ctx.get("/api/admin/speech");
        expect(response.status()).toBe(403);
        expect(await response.text()).not.toMatch(/modelsDir|pocketsphinx/);
      }
    },
  },
  "route /api/admin/speech/models/[id]/download": {
    async check({ anon, bob }) {
      const url = "/api/admin/speech/models/whisper-base.en/download";
      expect((await anon.post(url)).status()).toBe(401);
      expect((await bob.post(url)).status()).toBe(403);
      expect((await bob.delete(url)).status()).toBe(403);
    },
  },
  "route /api/admin/speech/models/[id]": {
    async check({ anon, bob }) {
      expect((await anon.delete("/api/admin/speech/models/whisper-base.en")).status()).toBe(401);
      expect((await bob.delete("/api/admin/speech/models/whisper-base.en")).status()).toBe(403);
    },
  },
  "page /settings/speech": {
    async check({ anon, bob }) {
      const response = await anon.get("/settings/speech", { maxRedirects: 0 });
      expect(response.status()).toBe(307);
      expect(response.headers().location).toContain("/sign-in?callbackUrl=%2Fsettings%2Fspeech");
      const page = await bob.get("/settings/speech");
      expect(page.status()).toBe(403);
      const html = await page.text();
      expect(html).toContain("Only administrators can change the speech engine");
      expect(html).not.toContain("Optional models");
    },
  },
  // Webhooks: a session or a write token even to read (the answers carry signing secrets); another user's ids are 404.
  "route /api/webhooks": {
    async check({ anon, alice, bob }) {
      expect((await anon.get("/api/webhooks")).status()).toBe(401);
      expect((await anon.post("/api/webhooks", { data: { url: "https://93.184.216.34/anon", events: ["call.completed"] } })).status()).toBe(401);
      const created = await alice.post("/api/webhooks", { data: { url: "https://93.184.216.34/alice-secret-hook", events: ["call.completed"] } });
      expect(created.status()).toBe(201);
      const { endpoint } = (await created.json()) as { endpoint: { id: string; secret: string } };
      const bobs = await (await bob.get("/api/webhooks")).text();
      expect(bobs).not.toContain(endpoint.id);
      expect(bobs).not.toContain(endpoint.secret);
      expect(bobs).not.toContain("alice-secret-hook");
    },
  },
  "route /api/webhooks/[id]": {
    async check({ anon, alice, bob }) {
      const { endpoint } = (await (await alice.post("/api/webhooks", { data: { url: "https://93.184.216.34/alice-hook", events: ["call.failed"] } })).json()) as { endpoint: { id: string } };
      const url = `/api/webhooks/${endpoint.id}`;
      expect((await anon.patch(url, { data: { active: false } })).status()).toBe(401);
      expect((await anon.delete(url)).status()).toBe(401);
      expect((await bob.patch(url, { data: { active: false } })).status()).toBe(404);
      expect((await bob.delete(url)).status()).toBe(404);
      const mine = ((await (await alice.get("/api/webhooks")).json()) as { endpoints: { id: string; active: boolean }[] }).endpoints.find((entry) => entry.id === endpoint.id);
      expect(mine?.active).toBe(true);
    },
  },
  "route /api/webhooks/[id]/deliveries": {
    async check({ anon, alice, bob }) {
      const { endpoint } = (await (await alice.post("/api/webhooks", { data: { url: "https://93.184.216.34/alice-log", events: ["call.failed"] } })).json()) as { endpoint: { id: string } };
      const url = `/api/webhooks/${endpoint.id}/deliveries`;
      expect((await anon.get(url)).status()).toBe(401);
      expect((await bob.get(url)).status()).toBe(404);
      expect((await alice.get(url)).status()).toBe(200);
    },
  },
  "route /api/webhooks/[id]/deliveries/[deliveryId]/retry": {
    async check({ anon, alice, bob }) {
      const { endpoint } = (await (await alice.post("/api/webhooks", { data: { url: "https://93.184.216.34/alice-retry", events: ["call.failed"] } })).json()) as { endpoint: { id: string } };
      const url = `/api/webhooks/${endpoint.id}/deliveries/00000000-0000-4000-8000-000000000000/retry`;
      expect((await anon.post(url)).status()).toBe(401);
      expect((await bob.post(url)).status()).toBe(404);
      expect((await alice.post(url)).status()).toBe(404);
    },
  },
  "page /settings/webhooks": {
    async check({ anon, alice, bob }) {
      const response = await anon.get("/settings/webhooks", { maxRedirects: 0 });
      expect(response.status()).toBe(307);
      expect(response.headers().location).toContain("/sign-in?callbackUrl=%2Fsettings%2Fwebhooks");
      const { endpoint } = (await (await alice.post("/api/webhooks", { data: { url: "https://93.184.216.34/alice-page-hook", events: ["call.completed"] } })).json()) as { endpoint: { secret: string } };
      expect(await (await alice.get("/settings/webhooks")).text()).toContain("alice-page-hook");
      const bobs = await bob.get("/settings/webhooks");
      expect(bobs.status()).toBe(200);
      const html = await bobs.text();
      expect(html).not.toContain("alice-page-hook");
      expect(html).not.toContain(endpoint.secret);
    },
  },
  // Search across calls: Alice's action item is in her index (the triggers put it there); Bob's searches for its words find nothing.
  "route /api/search": {
    async check({ anon, alice, bob }) {
      expect((await anon.get("/api/search?q=escrow")).status()).toBe(401);
      expect(await (await alice.get("/api/search?q=escrow")).text()).toContain(ALICE_ITEM);
      for (const q of ["escrow", "secret or alice or wire", '"wire the escrow"']) {
        const bobs = await bob.get(`/api/search?q=${encodeURIComponent(q)}`);
        expect(bobs.status()).toBe(200);
        expect(await bobs.text(), q).not.toContain("escrow");
      }
      expect((await bob.get("/api/search?q=")).status()).toBe(400);
    },
  },
  "page /search": {
    async check({ anon, alice, bob }) {
      const response = await anon.get("/search?q=escrow", { maxRedirects: 0 });
      expect(response.status()).toBe(307);
      expect(response.headers().location).toContain("/sign-in?callbackUrl=%2Fsearch");
      expect(await (await alice.get("/search?q=escrow")).text()).toContain("escrow");
      const bobs = await bob.get("/search?q=escrow");
      expect(bobs.status()).toBe(200);
      expect(await bobs.text()).not.toContain("wire the");
    },
  },
  "page /record": {
    async check({ anon, alice }) {
      const response = await anon.get("/record", { maxRedirects: 0 });
      expect(response.status()).toBe(307);
      expect(response.headers().location).toContain("/sign-in?callbackUrl=%2Frecord");
      // No object of anyone's on it: recording creates the caller's own upload (tus, covered above).
      expect((await alice.get("/record")).status()).toBe(200);
    },
  },
  "page /settings": {
    async check({ anon, alice }) {
      const response = await anon.get("/settings", { maxRedirects: 0 });
      expect(response.status()).toBe(307);
      expect(response.headers().location).toContain("/sign-in?callbackUrl=%2Fsettings");
      // Links to the sections only: no object of anyone's on it.
      const page = await alice.get("/settings");
      expect(page.status()).toBe(200);
      expect(await page.text()).toContain("/settings/webhooks");
    },
  },
  "page /upload": {
    async check({ anon }) {
      expect((await anon.get("/upload", { maxRedirects: 0 })).status()).toBe(307);
    },
  },
};

/** Every route handler, page and server action under app/, named like the CASES keys. */
function discoverEndpoints(): string[] {
  const found: string[] = [];
  const walk = (dir: string) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (/\.(ts|tsx)$/.test(entry.name)) {
        const relative = path.relative("app", dir).split(path.sep).filter((part) => !/^\(.*\)$/.test(part));
        const urlPath = `/${relative.join("/")}`;
        if (/^route\.tsx?$/.test(entry.name)) found.push(`route ${urlPath}`);
        if (/^page\.tsx?$/.test(entry.name)) found.push(`page ${urlPath}`);
        const source = fs.readFileSync(full, "utf8");
        if (/^\s*["']use server["']/.test(source)) {
          for (const match of source.matchAll(/export\s+async\s+function\s+(\w+)/g)) {
            found.push(`action ${path.relative(".", full)}#${match[1]}`);
          }
        }
      }
    }
  };
  walk("app");
  return found.sort();
}

test.describe("access control", () => {
  let world: World;

  test.beforeAll(async () => {
    const context = (auth?: { uid: string; name: string }) =>
      playwrightRequest.newContext({ baseURL: E2E.baseURL }).then(async (ctx) => {
        if (auth) {
          const response = await signInWithFirebaseToken(ctx, await signFirebaseToken(auth));
          expect(response.headers().location ?? "").not.toContain("error");
        }
        return ctx;
      });
    const [anon, alice, bob] = await Promise.all([
      context(),
      context({ uid: "access-alice", name: "Alice" }),
      context({ uid: "access-bob", name: "Bob" }),
    ]);
    const audio = fs.readFileSync(await makeAudio("wav"));
    const uploaded = await alice.post("/api/calls", {
      multipart: { title: ALICE_TITLE, file: { name: "alice.wav", mimeType: "audio/wav", buffer: audio } },
    });
    expect(uploaded.status()).toBe(201);
    const aliceCallId = ((await uploaded.json()) as { call: { id: string } }).call.id;
    expect((await alice.post(`/api/calls/${aliceCallId}/action-items`, { data: { title: ALICE_ITEM } })).status()).toBe(201);
    const created = await alice.post("/api/uploads", {
      headers: { "Tus-Resumable": "1.0.0", "Upload-Length": String(audio.byteLength), "Upload-Metadata": `filename ${Buffer.from("a.wav").toString("base64")}` },
    });
    expect(created.status()).toBe(201);
    world = { anon, alice, bob, aliceCallId, aliceUploadUrl: created.headers().location! };
  });

  test.afterAll(async () => {
    await Promise.all([world?.anon.dispose(), world?.alice.dispose(), world?.bob.dispose()]);
  });

  test("every route handler, page and server action has an access case, and no case is stale", () => {
    const endpoints = discoverEndpoints();
    const missing = endpoints.filter((endpoint) => !(endpoint in CASES));
    expect(missing, "add a case to e2e/access-control.spec.ts for each of these").toEqual([]);
    expect(Object.keys(CASES).filter((endpoint) => !endpoints.includes(endpoint)), "these cases name nothing that exists").toEqual([]);
  });

  for (const [endpoint, accessCase] of Object.entries(CASES)) {
    if ("check" in accessCase) {
      test(`${endpoint}: anonymous is refused, another user gets 404`, async () => {
        await accessCase.check(world);
      });
    }
  }
});

import { describe, it, expect, beforeAll, afterAll } from "vitest";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { exportJWK, exportSPKI, generateKeyPair, importJWK, SignJWT, type CryptoKey, type JWK } from "jose";

import {
  createFirebaseTokenVerifier,
  FirebaseTokenError,
  type FirebaseTokenErrorCode,
} from "@/lib/auth/firebase-token";

const PROJECT_ID = "scryon-test";
const ISSUER = `https://securetoken.google.com/${PROJECT_ID}`;
const KID = "key-1";
const NOW = new Date("2030-06-01T12:00:00Z");
const NOW_S = Math.floor(NOW.getTime() / 1000);

let server: Server;
let baseUrl: string;
const requestCounts = new Map<string, number>();

let privateKey: CryptoKey;
let publicKey: CryptoKey;
let publicJwk: JWK;
let otherPrivateKey: CryptoKey;

function jwksUrl(path = "/jwks.json"): string {
  return `${baseUrl}${path}`;
}

function verifierFor(path = "/jwks.json") {
  return createFirebaseTokenVerifier({ projectId: PROJECT_ID, jwksUrl: jwksUrl(path), now: () => NOW });
}

function baseClaims(): Record<string, unknown> {
  return {
    iss: ISSUER,
    aud: PROJECT_ID,
    sub: "user-123",
    iat: NOW_S - 60,
    exp: NOW_S + 3600,
    auth_time: NOW_S - 120,
    user_id: "user-123",
    email: "ada@example.com",
    email_verified: true,
    name: "Ada Lovelace",
    picture: "https://example.com/ada.png",
    firebase: { identities: { "google.com": ["1234"] }, sign_in_provider: "google.com" },
  };
}

interface SignOptions {
  claims?: Record<string, unknown>;
  /** Claims to delete from the defaults. */
  omit?: string[];
  alg?: string;
  kid?: string | null;
  key?: CryptoKey | Uint8Array;
}

async function sign(options: SignOptions = {}): Promise<string> {
  const payload = { ...baseClaims(), ...options.claims };
  for (const claim of options.omit ?? []) delete payload[claim];
  const header: { alg: string; typ: string; kid?: string } = { alg: options.alg ?? "RS256", typ: "JWT" };
  if (options.kid !== null) header.kid = options.kid ?? KID;
  return new SignJWT(payload).setProtectedHeader(header).sign(options.key ?? privateKey);
}

const b64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");

async function expectRejection(token: string, code: FirebaseTokenErrorCode, verify = verifierFor()) {
  const error: unknown = await verify(token).then(
    () => {
      throw new Error(`expected rejection with ${code}, but the token was accepted`);
    },
    (err: unknown) => err,
  );
  expect(error).toBeInstanceOf(FirebaseTokenError);
  const tokenError = error as FirebaseTokenError;
  expect(tokenError.code).toBe(code);
  expect(tokenError.name).toBe("FirebaseTokenError");
  // The message must not echo the token or any of its segments.
  if (token.length > 0) expect(tokenError.message).not.toContain(token);
  for (const segment of token.split(".")) {
    if (segment.length > 8) expect(tokenError.message).not.toContain(segment);
  }
}

beforeAll(async () => {
  ({ privateKey, publicKey } = await generateKeyPair("RS256", { extractable: true }));
  ({ privateKey: otherPrivateKey } = await generateKeyPair("RS256"));
  publicJwk = { ...(await exportJWK(publicKey)), kid: KID, alg: "RS256", use: "sig" };
  const body = JSON.stringify({ keys: [publicJwk] });

  server = createServer((req, res) => {
    const path = new URL(req.url ?? "/", "http://localhost").pathname;
    requestCounts.set(path, (requestCounts.get(path) ?? 0) + 1);
    if (path.startsWith("/jwks")) {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(body);
    } else if (path === "/broken") {
      res.writeHead(500, { "content-type": "text/plain" });
      res.end("internal error");
    } else {
      res.writeHead(404);
      res.end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  baseUrl = `http://127.0.0.1:${port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

describe("createFirebaseTokenVerifier", () => {
  it("accepts a valid token and returns the identity", async () => {
    const identity = await verifierFor()(await sign());
    expect(identity).toEqual({
      uid: "user-123",
      email: "ada@example.com",
      emailVerified: true,
      name: "Ada Lovelace",
      picture: "https://example.com/ada.png",
      signInProvider: "google.com",
    });
  });

  it("maps absent optional claims to null/false", async () => {
    const identity = await verifierFor()(
      await sign({ omit: ["email", "email_verified", "name", "picture", "firebase"] }),
    );
    expect(identity).toEqual({
      uid: "user-123",
      email: null,
      emailVerified: false,
      name: null,
      picture: null,
      signInProvider: null,
    });
  });

  it("accepts iat and auth_time slightly ahead, within the clock tolerance", async () => {
    const identity = await verifierFor()(await sign({ claims: { iat: NOW_S + 3, auth_time: NOW_S + 3 } }));
    expect(identity.uid).toBe("user-123");
  });

  it("accepts a 128-character sub", async () => {
    const uid = "u".repeat(128);
    expect((await verifierFor()(await sign({ claims: { sub: uid } }))).uid).toBe(uid);
  });

  describe("claim checks", () => {
    it("rejects a wrong audience", async () => {
      await expectRejection(await sign({ claims: { aud: "some-other-project" } }), "WRONG_AUDIENCE");
    });

    it("rejects an array audience even if it contains the project id", async () => {
      await expectRejection(await sign({ claims: { aud: [PROJECT_ID, "other"] } }), "WRONG_AUDIENCE");
    });

    it("rejects a wrong issuer", async () => {
      await expectRejection(
        await sign({ claims: { iss: "https://securetoken.google.com/some-other-project" } }),
        "WRONG_ISSUER",
      );
    });

    it("rejects an expired token", async () => {
      await expectRejection(await sign({ claims: { iat: NOW_S - 7200, exp: NOW_S - 60 } }), "EXPIRED");
    });

    it("rejects an iat in the future", async () => {
      await expectRejection(await sign({ claims: { iat: NOW_S + 600 } }), "ISSUED_IN_FUTURE");
    });

    it("rejects an auth_time in the future", async () => {
      await expectRejection(await sign({ claims: { auth_time: NOW_S + 600 } }), "AUTH_TIME_INVALID");
    });

    it("rejects a missing auth_time", async () => {
      await expectRejection(await sign({ omit: ["auth_time"] }), "AUTH_TIME_INVALID");
    });

    it("rejects a non-numeric auth_time", async () => {
      await expectRejection(await sign({ claims: { auth_time: "yesterday" } }), "AUTH_TIME_INVALID");
    });

    it("rejects an empty sub", async () => {
      await expectRejection(await sign({ claims: { sub: "" } }), "BAD_SUBJECT");
    });

    it("rejects a sub longer than 128 characters", async () => {
      await expectRejection(await sign({ claims: { sub: "u".repeat(129) } }), "BAD_SUBJECT");
    });

    it("rejects a missing sub", async () => {
      await expectRejection(await sign({ omit: ["sub"] }), "BAD_SUBJECT");
    });
  });

  describe("key and signature checks", () => {
    it("rejects an unknown kid", async () => {
      await expectRejection(await sign({ kid: "not-in-the-jwks" }), "UNKNOWN_KEY");
    });

    it("rejects a token without a kid", async () => {
      await expectRejection(await sign({ kid: null }), "UNKNOWN_KEY");
    });

    it("rejects a token signed by another key under a kid that is in the JWKS", async () => {
      await expectRejection(await sign({ key: otherPrivateKey }), "BAD_SIGNATURE");
    });

    it("rejects a tampered payload", async () => {
      const [header, , signature] = (await sign()).split(".");
      const forgedPayload = b64url({ ...baseClaims(), sub: "admin" });
      await expectRejection(`${header}.${forgedPayload}.${signature}`, "BAD_SIGNATURE");
    });
  });

  describe("algorithm checks", () => {
    it('rejects alg "none" (unsigned token)', async () => {
      const token = `${b64url({ alg: "none", typ: "JWT", kid: KID })}.${b64url(baseClaims())}.`;
      await expectRejection(token, "BAD_ALGORITHM");
    });

    it("rejects HS256 signed with the public key PEM as the HMAC secret (key confusion)", async () => {
      const pem = await exportSPKI(publicKey);
      await expectRejection(await sign({ alg: "HS256", key: new TextEncoder().encode(pem) }), "BAD_ALGORITHM");
    });

    it("rejects HS256 signed with the public JWK JSON as the HMAC secret (key confusion)", async () => {
      const secret = new TextEncoder().encode(JSON.stringify(publicJwk));
      await expectRejection(await sign({ alg: "HS256", key: secret }), "BAD_ALGORITHM");
    });

    it("rejects other RSA algorithms even when signed by the right key", async () => {
      const privateJwk = await exportJWK(privateKey);
      for (const alg of ["PS256", "RS512"]) {
        const key = (await importJWK(privateJwk, alg)) as CryptoKey;
        await expectRejection(await sign({ alg, key }), "BAD_ALGORITHM");
      }
    });

    it("does not fetch the JWKS for a token with a rejected algorithm", async () => {
      const path = "/jwks-not-fetched.json";
      const token = `${b64url({ alg: "none", kid: KID })}.${b64url(baseClaims())}.`;
      await expectRejection(token, "BAD_ALGORITHM", verifierFor(path));
      expect(requestCounts.get(path) ?? 0).toBe(0);
    });
  });

  describe("malformed input", () => {
    it("rejects a garbage string", async () => {
      await expectRejection("this is not a jwt", "MALFORMED");
    });

    it("rejects three segments that are not base64url JSON", async () => {
      await expectRejection("abc.def.ghi", "MALFORMED");
    });

    it("rejects an empty string", async () => {
      await expectRejection("", "MALFORMED");
    });
  });

  describe("JWKS", () => {
    it("reports JWKS_UNAVAILABLE when the JWKS server is down", async () => {
      const down = createServer();
      await new Promise<void>((resolve) => down.listen(0, "127.0.0.1", resolve));
      const { port } = down.address() as AddressInfo;
      await new Promise<void>((resolve) => down.close(() => resolve()));

      const verify = createFirebaseTokenVerifier({
        projectId: PROJECT_ID,
        jwksUrl: `http://127.0.0.1:${port}/jwks.json`,
        now: () => NOW,
      });
      await expectRejection(await sign(), "JWKS_UNAVAILABLE", verify);
    });

    it("reports JWKS_UNAVAILABLE when the JWKS endpoint answers with an error", async () => {
      await expectRejection(await sign(), "JWKS_UNAVAILABLE", verifierFor("/broken"));
    });

    it("fetches the JWKS once across many verifications and verifiers", async () => {
      const path = "/jwks-fetch-count.json";
      expect(requestCounts.get(path) ?? 0).toBe(0);

      const first = verifierFor(path);
      const tokens = await Promise.all(
        Array.from({ length: 5 }, (_, i) => sign({ claims: { sub: `user-${i}` } })),
      );
      // Concurrent first use shares one fetch.
      const identities = await Promise.all(tokens.map((token) => first(token)));
      expect(identities.map((identity) => identity.uid)).toEqual(tokens.map((_, i) => `user-${i}`));

      // Sequential use, including a fresh verifier for the same URL, hits the cache.
      const second = verifierFor(path);
      for (const token of tokens) {
        await expect(first(token)).resolves.toMatchObject({ email: "ada@example.com" });
        await expect(second(token)).resolves.toMatchObject({ email: "ada@example.com" });
      }
      await expectRejection(await sign({ claims: { aud: "wrong" } }), "WRONG_AUDIENCE", second);

      expect(requestCounts.get(path)).toBe(1);
    });
  });

  describe("options", () => {
    it("rejects invalid configuration up front", () => {
      expect(() => createFirebaseTokenVerifier({ projectId: "", jwksUrl: jwksUrl() })).toThrow(TypeError);
      expect(() => createFirebaseTokenVerifier({ projectId: PROJECT_ID, jwksUrl: "not a url" })).toThrow(TypeError);
      expect(() =>
        createFirebaseTokenVerifier({ projectId: PROJECT_ID, jwksUrl: jwksUrl(), clockToleranceSeconds: -1 }),
      ).toThrow(TypeError);
    });
  });
});

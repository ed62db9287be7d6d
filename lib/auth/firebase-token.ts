import "server-only";

import { createRemoteJWKSet, decodeProtectedHeader, errors, jwtVerify } from "jose";
import type { JWTPayload, JWTVerifyGetKey } from "jose";

/**
 * Server-side verification of Firebase ID tokens, following Firebase's documented rules
 * (https://firebase.google.com/docs/auth/admin/verify-id-tokens#verify_id_tokens_using_a_third-party_jwt_library):
 *
 * - header: `alg` is exactly RS256 and `kid` names a key in Google's JWKS;
 * - signature: valid under that key;
 * - payload: `aud` is the project id, `iss` is `https://securetoken.google.com/<projectId>`,
 *   `exp` is in the future, `iat` and `auth_time` are in the past, and `sub` is a non-empty
 *   string of at most 128 characters (it is the uid).
 *
 * Every rejection is a {@link FirebaseTokenError} with a stable `code`. Messages are fixed
 * strings: they never contain the token or any value taken from it.
 */

export interface FirebaseIdentity {
  uid: string;
  email: string | null;
  emailVerified: boolean;
  name: string | null;
  picture: string | null;
  signInProvider: string | null;
}

export type FirebaseTokenErrorCode =
  | "MALFORMED"
  | "BAD_ALGORITHM"
  | "UNKNOWN_KEY"
  | "BAD_SIGNATURE"
  | "WRONG_AUDIENCE"
  | "WRONG_ISSUER"
  | "EXPIRED"
  | "ISSUED_IN_FUTURE"
  | "AUTH_TIME_INVALID"
  | "BAD_SUBJECT"
  | "JWKS_UNAVAILABLE";

export class FirebaseTokenError extends Error {
  readonly code: FirebaseTokenErrorCode;

  constructor(code: FirebaseTokenErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "FirebaseTokenError";
    this.code = code;
  }
}

export interface FirebaseVerifierOptions {
  /** Firebase project id: the expected `aud`, and the suffix of the expected `iss`. */
  projectId: string;
  /**
   * JWKS endpoint with Google's signing keys. In production:
   * https://www.googleapis.com/service_accounts/v1/jwk/securetoken@system.gserviceaccount.com
   */
  jwksUrl: string;
  /** Allowed clock skew for `exp`, `iat`, `nbf` and `auth_time`. Default 5 seconds. */
  clockToleranceSeconds?: number;
  /** Clock override, for tests. */
  now?: () => Date;
}

export type FirebaseTokenVerifier = (idToken: string) => Promise<FirebaseIdentity>;

const ALGORITHM = "RS256";
const ISSUER_PREFIX = "https://securetoken.google.com/";
const MAX_UID_LENGTH = 128;
const DEFAULT_CLOCK_TOLERANCE_SECONDS = 5;

/**
 * One remote key set per JWKS URL for the life of the process, so keys are fetched once and then
 * served from jose's cache (refreshed after `cacheMaxAge`, refetched on an unknown `kid` at most
 * once per cooldown period, concurrent fetches deduplicated).
 */
const remoteKeySets = new Map<string, JWTVerifyGetKey>();

function remoteKeySet(url: URL): JWTVerifyGetKey {
  const existing = remoteKeySets.get(url.href);
  if (existing) return existing;
  const created = createRemoteJWKSet(url);
  remoteKeySets.set(url.href, created);
  return created;
}

function fail(code: FirebaseTokenErrorCode, message: string, cause?: unknown): never {
  throw new FirebaseTokenError(code, message, cause === undefined ? undefined : { cause });
}

/**
 * Wraps the remote key set so that key-lookup failures are classified where they happen:
 * a missing `kid` is UNKNOWN_KEY, anything else (network error, timeout, non-200, bad JSON,
 * invalid key set) is JWKS_UNAVAILABLE.
 */
function classifyingKeyResolver(keySet: JWTVerifyGetKey): JWTVerifyGetKey {
  return async (protectedHeader, token) => {
    try {
      return await keySet(protectedHeader, token);
    } catch (error) {
      if (error instanceof errors.JWKSNoMatchingKey) {
        fail("UNKNOWN_KEY", "Firebase ID token was signed with a key that is not in the JWKS");
      }
      if (error instanceof errors.JWKSMultipleMatchingKeys) {
        fail("UNKNOWN_KEY", "Firebase ID token key id matches more than one key in the JWKS");
      }
      fail("JWKS_UNAVAILABLE", "Could not load the Firebase signing keys (JWKS)", error);
    }
  };
}

/** Maps errors thrown by jose's `jwtVerify` (outside the key resolver) to our codes. */
function mapJoseError(error: unknown): FirebaseTokenError {
  if (error instanceof FirebaseTokenError) return error;
  if (error instanceof errors.JWTExpired) {
    return new FirebaseTokenError("EXPIRED", "Firebase ID token has expired");
  }
  if (error instanceof errors.JWTClaimValidationFailed) {
    const badValue = error.reason === "check_failed";
    switch (error.claim) {
      case "aud":
        return new FirebaseTokenError("WRONG_AUDIENCE", "Firebase ID token has the wrong audience");
      case "iss":
        return new FirebaseTokenError("WRONG_ISSUER", "Firebase ID token has the wrong issuer");
      case "sub":
        return new FirebaseTokenError("BAD_SUBJECT", "Firebase ID token has an invalid subject");
      case "auth_time":
        return new FirebaseTokenError("AUTH_TIME_INVALID", "Firebase ID token has an invalid auth_time");
      case "iat":
      case "nbf":
        if (badValue) {
          return new FirebaseTokenError("ISSUED_IN_FUTURE", "Firebase ID token is not valid yet");
        }
        return new FirebaseTokenError("MALFORMED", "Firebase ID token has a missing or non-numeric time claim");
      default:
        return new FirebaseTokenError("MALFORMED", "Firebase ID token claims are invalid");
    }
  }
  if (error instanceof errors.JOSEAlgNotAllowed) {
    return new FirebaseTokenError("BAD_ALGORITHM", "Firebase ID token must be signed with RS256");
  }
  if (error instanceof errors.JWSSignatureVerificationFailed) {
    return new FirebaseTokenError("BAD_SIGNATURE", "Firebase ID token signature is invalid");
  }
  if (error instanceof errors.JWKSNoMatchingKey || error instanceof errors.JWKSMultipleMatchingKeys) {
    return new FirebaseTokenError("UNKNOWN_KEY", "Firebase ID token was signed with a key that is not in the JWKS");
  }
  if (error instanceof errors.JWKSTimeout || error instanceof errors.JWKSInvalid) {
    return new FirebaseTokenError("JWKS_UNAVAILABLE", "Could not load the Firebase signing keys (JWKS)", { cause: error });
  }
  if (error instanceof errors.JOSEError) {
    // JWSInvalid, JWTInvalid, JOSENotSupported (e.g. an unrecognised "crit" header), ...
    return new FirebaseTokenError("MALFORMED", "Firebase ID token is malformed");
  }
  // Not a jose error (e.g. a TypeError from key import): still reject, keep the cause for logs.
  return new FirebaseTokenError("MALFORMED", "Firebase ID token could not be verified", { cause: error });
}

const isFiniteNumber = (value: unknown): value is number => typeof value === "number" && Number.isFinite(value);
const stringOrNull = (value: unknown): string | null => (typeof value === "string" ? value : null);

/** Cheap structural checks before any key is fetched: three segments, RS256, a `kid`. */
function checkHeader(idToken: unknown): void {
  if (typeof idToken !== "string" || idToken.length === 0) {
    fail("MALFORMED", "Firebase ID token must be a non-empty string");
  }
  if (idToken.split(".").length !== 3) {
    fail("MALFORMED", "Firebase ID token is not a compact JWS");
  }
  let header: ReturnType<typeof decodeProtectedHeader>;
  try {
    header = decodeProtectedHeader(idToken);
  } catch {
    fail("MALFORMED", "Firebase ID token header is not valid");
  }
  // Exactly RS256: rejects "none", HS256 (including HMAC keyed with the public key) and the rest.
  if (header.alg !== ALGORITHM) {
    fail("BAD_ALGORITHM", "Firebase ID token must be signed with RS256");
  }
  // Without a kid, jose's key set would fall back to "any RSA key"; Firebase always sets one.
  if (typeof header.kid !== "string" || header.kid.length === 0) {
    fail("UNKNOWN_KEY", "Firebase ID token has no key id (kid)");
  }
}

function toIdentity(payload: JWTPayload, projectId: string, nowSeconds: number, tolerance: number): FirebaseIdentity {
  // jose accepts an array `aud` that contains the project id; Firebase issues a single string.
  if (payload.aud !== projectId) {
    fail("WRONG_AUDIENCE", "Firebase ID token has the wrong audience");
  }
  if (!isFiniteNumber(payload.exp)) {
    fail("MALFORMED", "Firebase ID token has an invalid exp claim");
  }
  // jose only checks iat in the future when maxTokenAge is set; do it here.
  if (!isFiniteNumber(payload.iat)) {
    fail("MALFORMED", "Firebase ID token has an invalid iat claim");
  }
  if (payload.iat > nowSeconds + tolerance) {
    fail("ISSUED_IN_FUTURE", "Firebase ID token was issued in the future");
  }
  // jose never looks at auth_time.
  const authTime = payload["auth_time"];
  if (!isFiniteNumber(authTime) || authTime > nowSeconds + tolerance) {
    fail("AUTH_TIME_INVALID", "Firebase ID token has an invalid auth_time");
  }
  const sub = payload.sub;
  if (typeof sub !== "string" || sub.length === 0 || sub.length > MAX_UID_LENGTH) {
    fail("BAD_SUBJECT", "Firebase ID token has an invalid subject");
  }

  const firebase = payload["firebase"];
  const signInProvider =
    typeof firebase === "object" && firebase !== null && !Array.isArray(firebase)
      ? stringOrNull((firebase as Record<string, unknown>)["sign_in_provider"])
      : null;

  return {
    uid: sub,
    email: stringOrNull(payload["email"]),
    emailVerified: payload["email_verified"] === true,
    name: stringOrNull(payload["name"]),
    picture: stringOrNull(payload["picture"]),
    signInProvider,
  };
}

export function createFirebaseTokenVerifier(options: FirebaseVerifierOptions): FirebaseTokenVerifier {
  const { projectId, jwksUrl, clockToleranceSeconds = DEFAULT_CLOCK_TOLERANCE_SECONDS, now } = options;
  if (typeof projectId !== "string" || projectId.trim() === "") {
    throw new TypeError("createFirebaseTokenVerifier: projectId must be a non-empty string");
  }
  if (!Number.isFinite(clockToleranceSeconds) || clockToleranceSeconds < 0) {
    throw new TypeError("createFirebaseTokenVerifier: clockToleranceSeconds must be a non-negative number");
  }
  let url: URL;
  try {
    url = new URL(jwksUrl);
  } catch {
    throw new TypeError("createFirebaseTokenVerifier: jwksUrl must be an absolute URL");
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") {
    throw new TypeError("createFirebaseTokenVerifier: jwksUrl must be an http(s) URL");
  }

  const issuer = `${ISSUER_PREFIX}${projectId}`;
  const getKey = classifyingKeyResolver(remoteKeySet(url));

  return async function verifyFirebaseIdToken(idToken: string): Promise<FirebaseIdentity> {
    checkHeader(idToken);

    const currentDate = now ? now() : new Date();
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(idToken, getKey, {
        algorithms: [ALGORITHM],
        audience: projectId,
        issuer,
        requiredClaims: ["exp", "iat", "sub", "auth_time"],
        clockTolerance: clockToleranceSeconds,
        currentDate,
      }));
    } catch (error) {
      throw mapJoseError(error);
    }

    const nowSeconds = Math.floor(currentDate.getTime() / 1000);
    return toIdentity(payload, projectId, nowSeconds, clockToleranceSeconds);
  };
}

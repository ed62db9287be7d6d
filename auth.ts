import "server-only";
import NextAuth, { CredentialsSignin } from "next-auth";
import Credentials from "next-auth/providers/credentials";
import { z } from "zod";
import { getDb } from "@/db";
import { upsertUserByExternalId } from "@/db/queries/users";
import { createFirebaseTokenVerifier, FirebaseTokenError } from "@/lib/auth/firebase-token";
import { LOCAL_DEV_EXTERNAL_ID, localDevSignInEnabled } from "@/lib/auth/local-dev";
import { resolveAuthSecret } from "@/lib/auth/secret";
import { loadEnv } from "@/lib/env";

class InvalidFirebaseToken extends CredentialsSignin {
  code = "invalid_token";
}
class LocalDevDisabled extends CredentialsSignin {
  code = "local_dev_disabled";
}

const firebaseCredentials = z.object({ idToken: z.string().min(1).max(8192) });

export const { handlers, auth, signIn, signOut } = NextAuth(() => {
  const env = loadEnv();
  const verifyFirebaseToken = env.firebase
    ? createFirebaseTokenVerifier({ projectId: env.firebase.projectId, jwksUrl: env.firebase.jwksUrl })
    : null;

  return {
    secret: resolveAuthSecret(env),
    // Self-hosted behind any host name; Auth.js still checks the origin of sign-in POSTs (CSRF token).
    trustHost: true,
    session: { strategy: "jwt", maxAge: 30 * 24 * 60 * 60 },
    pages: { signIn: "/sign-in", error: "/sign-in" },
    providers: [
      Credentials({
        id: "firebase",
        name: "Firebase",
        credentials: { idToken: {} },
        async authorize(raw) {
          const parsed = firebaseCredentials.safeParse(raw);
          if (!verifyFirebaseToken || !parsed.success) throw new InvalidFirebaseToken();
          try {
            const identity = await verifyFirebaseToken(parsed.data.idToken);
            // Only an email Firebase has verified is stored: SCRYON_ADMIN_EMAILS grants administration by it,
            // and anyone can sign up with an address they do not own.
            const email = identity.emailVerified ? identity.email : null;
            const user = await upsertUserByExternalId(await getDb(), {
              externalUserId: identity.uid,
              email,
              displayName: identity.name ?? email,
            });
            return { id: user.id, name: user.displayName, email: user.email, sessionVersion: user.sessionVersion };
          } catch (error) {
            if (error instanceof FirebaseTokenError) {
              console.warn(`[auth] Firebase token rejected: ${error.code}`);
              throw new InvalidFirebaseToken();
            }
            throw error;
          }
        },
      }),
      Credentials({
        id: "local-dev",
        name: "Local developer",
        credentials: {},
        async authorize() {
          if (!localDevSignInEnabled(env)) throw new LocalDevDisabled();
          const user = await upsertUserByExternalId(await getDb(), {
            externalUserId: LOCAL_DEV_EXTERNAL_ID,
            displayName: "Local Developer",
          });
          return { id: user.id, name: user.displayName, email: user.email, sessionVersion: user.sessionVersion };
        },
      }),
    ],
    callbacks: {
      jwt({ token, user }) {
        if (user?.id) {
          token.uid = user.id;
          token.sv = user.sessionVersion ?? 0;
        }
        return token;
      },
      session({ session, token }) {
        if (typeof token.uid === "string") session.user.id = token.uid;
        // Tokens issued before session versions existed count as version 0.
        session.sessionVersion = typeof token.sv === "number" ? token.sv : 0;
        return session;
      },
    },
  };
});

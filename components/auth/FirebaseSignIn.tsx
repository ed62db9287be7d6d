"use client";

import { signIn } from "next-auth/react";
import { useState, type FormEvent } from "react";

export interface FirebaseClientConfig {
  apiKey: string;
  authDomain: string;
  projectId: string;
  emulatorHost: string | null;
}

type FirebaseAuthModule = typeof import("firebase/auth");

/** Loads the Firebase SDK only when someone signs in with it, so other pages never ship it. */
async function loadFirebaseAuth(config: FirebaseClientConfig) {
  const [{ initializeApp, getApps }, authModule] = await Promise.all([import("firebase/app"), import("firebase/auth")]);
  const app =
    getApps()[0] ?? initializeApp({ apiKey: config.apiKey, authDomain: config.authDomain, projectId: config.projectId });
  const auth = authModule.getAuth(app);
  if (config.emulatorHost && !auth.emulatorConfig) {
    authModule.connectAuthEmulator(auth, `http://${config.emulatorHost}`, { disableWarnings: true });
  }
  return { auth, authModule };
}

function describeFirebaseError(error: unknown): string {
  const code = typeof error === "object" && error && "code" in error ? String((error as { code: unknown }).code) : "";
  switch (code) {
    case "auth/invalid-credential":
    case "auth/wrong-password":
    case "auth/user-not-found":
      return "That email and password do not match an account.";
    case "auth/popup-closed-by-user":
    case "auth/cancelled-popup-request":
      return "The Google window was closed before sign-in finished.";
    case "auth/popup-blocked":
      return "Your browser blocked the Google window. Allow pop-ups for this site and try again.";
    case "auth/too-many-requests":
      return "Too many attempts. Wait a minute and try again.";
    case "auth/network-request-failed":
      return "Could not reach the sign-in service. Check your connection.";
    default:
      return "Sign-in did not work. Try again.";
  }
}

export function FirebaseSignIn({ config, callbackUrl }: { config: FirebaseClientConfig; callbackUrl: string }) {
  const [busy, setBusy] = useState<"google" | "email" | null>(null);
  const [error, setError] = useState<string | null>(null);

  async function finish(getToken: (module: FirebaseAuthModule, auth: ReturnType<FirebaseAuthModule["getAuth"]>) => Promise<string>) {
    setError(null);
    try {
      const { auth, authModule } = await loadFirebaseAuth(config);
      const idToken = await getToken(authModule, auth);
      // The server verifies the ID token; Firebase's own session is not needed after this.
      await authModule.signOut(auth);
      const result = await signIn("firebase", { idToken, redirect: false });
      if (!result || result.error) throw new Error("rejected");
      window.location.assign(callbackUrl);
    } catch (caught) {
      setError(caught instanceof Error && caught.message === "rejected" ? "Your sign-in could not be verified. Try again." : describeFirebaseError(caught));
      setBusy(null);
    }
  }

  function signInWithGoogle() {
    setBusy("google");
    void finish(async (module, auth) => {
      const credential = await module.signInWithPopup(auth, new module.GoogleAuthProvider());
      return credential.user.getIdToken();
    });
  }

  function signInWithEmail(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    setBusy("email");
    void finish(async (module, auth) => {
      const credential = await module.signInWithEmailAndPassword(auth, String(form.get("email")), String(form.get("password")));
      return credential.user.getIdToken();
    });
  }

  return (
    <div className="space-y-4">
      {error ? (
        <p role="alert" className="rounded-lg bg-red-50 px-3 py-2 text-sm text-red-800">
          {error}
        </p>
      ) : null}
      <button
        type="button"
        onClick={signInWithGoogle}
        disabled={busy !== null}
        className="flex w-full items-center justify-center gap-2 rounded-lg border border-slate-300 bg-white px-4 py-2.5 text-sm font-medium hover:bg-slate-50 disabled:opacity-60"
      >
        <svg aria-hidden="true" viewBox="0 0 24 24" className="h-4 w-4">
          <path fill="#4285F4" d="M22.5 12.3c0-.8-.1-1.5-.2-2.3H12v4.4h5.9a5 5 0 0 1-2.2 3.3v2.7h3.5c2.1-1.9 3.3-4.7 3.3-8.1z" />
          <path fill="#34A853" d="M12 23c3 0 5.5-1 7.3-2.7l-3.5-2.7c-1 .7-2.3 1.1-3.8 1.1-2.9 0-5.4-2-6.3-4.6H2.1v2.8A11 11 0 0 0 12 23z" />
          <path fill="#FBBC05" d="M5.7 14.1a6.6 6.6 0 0 1 0-4.2V7.1H2.1a11 11 0 0 0 0 9.8l3.6-2.8z" />
          <path fill="#EA4335" d="M12 5.4c1.6 0 3.1.6 4.2 1.7l3.1-3.1A11 11 0 0 0 2.1 7.1l3.6 2.8C6.6 7.3 9.1 5.4 12 5.4z" />
        </svg>
        {busy === "google" ? "Waiting for Google…" : "Continue with Google"}
      </button>
      <form onSubmit={signInWithEmail} className="space-y-3" aria-label="Sign in with email">
        <div>
          <label htmlFor="email" className="block text-sm font-medium text-slate-700">
            Email
          </label>
          <input id="email" name="email" type="email" autoComplete="email" required className="mt-1 w-full rounded-lg border border-slate-300 px-3 py-2 text-sm" />
        </div>
        <div>
          <label htmlFor="password" className="block text-sm font-medium text-slate-700">
            Password
          </label>
          <input id="password" name="password" type="password" autoComplete="current-password" required className="mt-1 w-full rounded-lg border border-slate-300 px-3 py-2 text-sm" />
        </div>
        <button
          type="submit"
          disabled={busy !== null}
          className="w-full rounded-lg bg-slate-900 px-4 py-2.5 text-sm font-medium text-white hover:bg-slate-800 disabled:opacity-60"
        >
          {busy === "email" ? "Signing in…" : "Sign in with email"}
        </button>
      </form>
    </div>
  );
}

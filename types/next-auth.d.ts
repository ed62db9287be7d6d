import type { DefaultSession } from "next-auth";

declare module "next-auth" {
  interface Session {
    user: { id: string } & DefaultSession["user"];
    /** users.session_version when this session was issued; a higher stored version ends it. */
    sessionVersion?: number;
  }
  interface User {
    sessionVersion?: number;
  }
}

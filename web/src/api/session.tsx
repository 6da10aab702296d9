/** Who is signed in, for the whole page: loaded once, changed by sign-in and sign-out. */
import { createContext, useCallback, useContext, useEffect, useState, type ReactNode } from 'react';
import { graphql } from '../gql';
import { request, setCsrfToken } from './client';

const SessionQuery = graphql(`
  query Session {
    session {
      csrfToken
      expires
      user {
        name
        admin
        groups
      }
    }
  }
`);

const SignInMutation = graphql(`
  mutation SignIn($name: String!, $password: String!) {
    signIn(name: $name, password: $password) {
      csrfToken
      expires
      user {
        name
        admin
        groups
      }
    }
  }
`);

const SignOutMutation = graphql(`
  mutation SignOut {
    signOut
  }
`);

export interface SessionUser {
  name: string;
  admin: boolean;
  groups: string[];
}

interface SessionState {
  /** undefined while loading; null when signed out. */
  user: SessionUser | null | undefined;
  signIn(name: string, password: string): Promise<void>;
  signOut(): Promise<void>;
}

const SessionContext = createContext<SessionState | null>(null);

export function SessionProvider({ children }: { children: ReactNode }) {
  const [user, setUser] = useState<SessionUser | null | undefined>(undefined);
  const adopt = useCallback((s: { csrfToken: string; user: SessionUser } | null | undefined) => {
    setCsrfToken(s?.csrfToken ?? null);
    setUser(s ? s.user : null);
  }, []);
  useEffect(() => {
    request(SessionQuery).then((d) => adopt(d.session), () => adopt(null));
  }, [adopt]);
  const signIn = useCallback(async (name: string, password: string) => adopt((await request(SignInMutation, { name, password })).signIn), [adopt]);
  const signOut = useCallback(async () => {
    await request(SignOutMutation).finally(() => adopt(null));
  }, [adopt]);
  return <SessionContext.Provider value={{ user, signIn, signOut }}>{children}</SessionContext.Provider>;
}

export function useSession(): SessionState {
  const s = useContext(SessionContext);
  if (!s) throw new Error('useSession outside SessionProvider');
  return s;
}

/** The signed-in user (for pages shown only when signed in). */
export function useUser(): SessionUser {
  const { user } = useSession();
  if (!user) throw new Error('useUser while signed out');
  return user;
}

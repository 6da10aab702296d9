/** The data of an admin view: loaded by one request when the view opens (or its deps change), and again by reload(). */
import { useCallback, useEffect, useRef, useState } from 'react';

export interface Loaded<T> {
  data: T | undefined;
  error: unknown;
  /** Loads again; resolves once the new data (or error) is in. */
  reload(): Promise<void>;
}

export function useLoad<T>(load: () => Promise<T>, deps: readonly unknown[]): Loaded<T> {
  const [state, setState] = useState<{ data?: T; error: unknown }>({ error: null });
  const latest = useRef(load);
  latest.current = load;
  const round = useRef(0);
  const reload = useCallback(async () => {
    // Only the latest round's answer counts: an earlier, slower one must not overwrite it.
    const mine = ++round.current;
    try {
      const data = await latest.current();
      if (mine === round.current) setState({ data, error: null });
    } catch (error) {
      if (mine === round.current) setState((s) => ({ ...s, error }));
    }
  }, []);
  useEffect(() => {
    void reload();
    // eslint-disable-next-line react-hooks/exhaustive-deps -- the caller's deps are what the loader reads
  }, [reload, ...deps]);
  return { data: state.data, error: state.error, reload };
}

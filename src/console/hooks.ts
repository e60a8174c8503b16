import { useCallback, useEffect, useRef, useState } from "preact/hooks";
import { isAbort, toProblem, type ApiProblem } from "./api.js";

// Loading and submitting with the engine: `useLoad` fetches when its inputs change (aborting the
// previous call), `useSubmit` runs one call at a time for a form and keeps its problem.

export interface Loaded<T> {
  readonly data: T | undefined;
  readonly problem: ApiProblem | undefined;
  readonly loading: boolean;
  /** Loads again; `quiet` keeps the current data on screen meanwhile (polling). */
  readonly reload: (quiet?: boolean) => void;
}

export function useLoad<T>(load: ((signal: AbortSignal) => Promise<T>) | undefined, inputs: readonly unknown[]): Loaded<T> {
  const [data, setData] = useState<T | undefined>(undefined);
  const [problem, setProblem] = useState<ApiProblem | undefined>(undefined);
  const [loading, setLoading] = useState(load !== undefined);
  const [tick, setTick] = useState(0);
  const quietRef = useRef(false);
  useEffect(() => {
    if (load === undefined) {
      setLoading(false);
      return undefined;
    }
    const controller = new AbortController();
    if (!quietRef.current) {
      setLoading(true);
      setData(undefined);
    }
    quietRef.current = false;
    load(controller.signal).then(
      (value) => {
        if (controller.signal.aborted) return;
        setData(value);
        setProblem(undefined);
        setLoading(false);
      },
      (thrown: unknown) => {
        if (controller.signal.aborted || isAbort(thrown)) return;
        setProblem(toProblem(thrown));
        setLoading(false);
      },
    );
    return () => {
      controller.abort();
    };
    // `inputs` are the caller's dependencies, as with useEffect (`load` is a fresh closure each render).
  }, [...inputs, tick]);
  const reload = useCallback((quiet = false) => {
    quietRef.current = quiet;
    setTick((t) => t + 1);
  }, []);
  return { data, problem, loading, reload };
}

export interface Submitting {
  readonly busy: boolean;
  readonly problem: ApiProblem | undefined;
  /** Runs `work` unless a call of this form is already under way; resolves true on success. */
  readonly run: (work: () => Promise<unknown>) => Promise<boolean>;
  readonly clear: () => void;
}

export function useSubmit(): Submitting {
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<ApiProblem | undefined>(undefined);
  const inFlight = useRef(false);
  const run = useCallback(async (work: () => Promise<unknown>) => {
    if (inFlight.current) return false;
    inFlight.current = true;
    setBusy(true);
    setProblem(undefined);
    try {
      await work();
      return true;
    } catch (thrown) {
      setProblem(toProblem(thrown));
      return false;
    } finally {
      inFlight.current = false;
      setBusy(false);
    }
  }, []);
  const clear = useCallback(() => {
    setProblem(undefined);
  }, []);
  return { busy, problem, run, clear };
}

/** Calls `tick` every `ms` while `active`, and not while the tab is hidden. */
export function useInterval(tick: () => void, ms: number, active: boolean): void {
  const saved = useRef(tick);
  saved.current = tick;
  useEffect(() => {
    if (!active) return undefined;
    const id = window.setInterval(() => {
      if (document.visibilityState === "visible") saved.current();
    }, ms);
    return () => {
      window.clearInterval(id);
    };
  }, [ms, active]);
}

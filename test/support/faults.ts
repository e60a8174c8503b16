import { EngineError } from "../../src/domain/errors.js";
import type { Runtime } from "../../src/hosting/composition.js";

// Fault injection for a Runtime: the ports the erasure executor writes and reads through
// (`itemEraser`, `blobEraser`, `manifests`, `jobs`, `platformItems`, `blobSource`) are wrapped so
// that every method call is counted, across all of them, and the N-th call fails with
// EngineError("unavailable", "injected fault"). Everything else delegates to the real adapters:
// the stores are never mocked.
//
// A crash is modelled as the process stopping at that call: from the failing call on, every
// further call fails as well (so lanes still running in parallel stop at their next store call),
// and `settled()` waits for calls already handed to a real adapter before the crash.
//
// `mode` says where the crash happens: `before` the call reaches the store (the step did not
// happen), or `after` it answered (the step happened but the executor never learnt it).

export const FAULTY_PORTS = ["itemEraser", "blobEraser", "manifests", "jobs", "platformItems", "blobSource"] as const;
export type FaultyPort = (typeof FAULTY_PORTS)[number];

export interface FaultOptions {
  /** 1-based number of the call that fails; `"always"`: every call; `"never"`: only count. */
  readonly failAt: number | "always" | "never";
  readonly mode?: "before" | "after";
  /** The ports to wrap; default FAULTY_PORTS. */
  readonly ports?: readonly FaultyPort[];
}

export interface FaultyRuntime {
  /** The wrapped runtime to hand to the executor. */
  readonly rt: Runtime;
  /** Calls counted so far (including the failing ones). */
  readonly calls: number;
  /** `port.method` of every call, in call order. */
  readonly trace: readonly string[];
  /** Milliseconds each call took until its adapter answered (0 for an injected failure), in call order. */
  readonly durations: readonly number[];
  /** Whether the fault was injected. */
  readonly tripped: boolean;
  /** Resolves when no call handed to a real adapter is still running. */
  settled(): Promise<void>;
}

export const injectedFault = (): EngineError => new EngineError("unavailable", "injected fault", { reason: "injected-fault" });

/** Methods that return an AsyncIterable rather than a Promise. */
const ITERATORS = new Set(["manifests.list"]);

export function withFaults(rt: Runtime, options: FaultOptions): FaultyRuntime {
  const mode = options.mode ?? "before";
  const trace: string[] = [];
  const durations: number[] = [];
  const inFlight = new Set<Promise<unknown>>();
  let tripped = false;

  const failsNow = (n: number): boolean => {
    if (options.failAt === "never") return false;
    if (options.failAt === "always" || tripped || n >= options.failAt) {
      tripped = true;
      return true;
    }
    return false;
  };

  const failingIterable = (): AsyncIterable<never> => ({
    [Symbol.asyncIterator]: () => ({ next: () => Promise.reject(injectedFault()) }),
  });

  const call = (method: string, invoke: () => unknown): unknown => {
    trace.push(method);
    durations.push(0);
    const n = trace.length;
    const iterator = ITERATORS.has(method);
    // An iterator's "after" has no single answer to crash behind: it fails before, like a read.
    if (failsNow(n) && (mode === "before" || iterator || options.failAt === "always" || n !== options.failAt)) {
      return iterator ? failingIterable() : Promise.reject(injectedFault());
    }
    const crashAfter = tripped;
    const started = performance.now();
    const result = invoke();
    if (!(result instanceof Promise)) return result;
    const tracked: Promise<unknown> = result.finally(() => {
      durations[n - 1] = performance.now() - started;
      inFlight.delete(tracked);
    });
    inFlight.add(tracked);
    return crashAfter ? tracked.then(() => Promise.reject(injectedFault())) : tracked;
  };

  const wrap = <T extends object>(port: string, target: T): T =>
    new Proxy(target, {
      get(object, property, receiver) {
        const value: unknown = Reflect.get(object, property, receiver);
        if (typeof value !== "function") return value;
        const method = `${port}.${String(property)}`;
        return (...args: unknown[]) => call(method, () => Reflect.apply(value as (...a: unknown[]) => unknown, object, args));
      },
    });

  const ports = options.ports ?? FAULTY_PORTS;
  const overrides: Partial<Record<FaultyPort, object>> = {};
  for (const port of ports) overrides[port] = wrap(port, rt[port]);
  const wrapped = { ...rt, ...overrides } as Runtime;

  return {
    rt: wrapped,
    get calls() {
      return trace.length;
    },
    trace,
    durations,
    get tripped() {
      return tripped;
    },
    async settled() {
      while (inFlight.size > 0) await Promise.allSettled([...inFlight]);
    },
  };
}

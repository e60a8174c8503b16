// Timer triggers as the Functions host runs them: NCRONTAB schedules with seconds (six fields,
// `%SETTING%` allowed), evaluated in UTC, each function a singleton (a tick that comes while the
// previous run is still going is skipped, not queued). Schedules are resolved and checked when
// the host starts even if timers are off, so a bad setting fails the start; they only begin to
// fire once the host listens. The admin API can run a timer function by hand at any time.

import type { Timer } from "@azure/functions";
import { Cron } from "croner";
import { resolveBindingExpression, type FunctionDefinition, type TimerFunctionDefinition } from "../../hosting/definition.js";
import { describeError, type Invoker, type Track } from "./invocation.js";

/** `scheduleStatus.last` before a first run, as the host reports DateTime.MinValue. */
const NEVER_RUN = "0001-01-01T00:00:00.000Z";
/** NCRONTAB with seconds, in UTC; day-of-month and day-of-week must both match, as in NCrontab. */
const CRON_OPTIONS = { timezone: "Etc/UTC", mode: "6-part", domAndDow: true } as const;

interface TimerState {
  definition: TimerFunctionDefinition;
  schedule: string;
  /** The schedule, evaluated only (computes `next`). */
  pattern: Cron;
  /** The running schedule, once started. */
  cron?: Cron;
  running: boolean;
  last: string;
}

export interface TimerTriggers {
  /** Starts every schedule; each tick's run is passed to `track`. */
  start(track: Track): void;
  /** Stops every schedule (runs in progress go on). */
  stop(): void;
  /** Runs the function now, as the admin API asks; undefined when it is not one of these timers. */
  runByHand(definition: FunctionDefinition): Promise<void> | undefined;
}

function prepare(definition: TimerFunctionDefinition, env: NodeJS.ProcessEnv): TimerState {
  const schedule = resolveBindingExpression(definition.schedule, env);
  let pattern: Cron;
  try {
    if (schedule.trim().split(/\s+/).length !== 6) throw new Error("expected six fields");
    // Without a callback croner only evaluates the pattern; nothing is scheduled.
    pattern = new Cron(schedule, CRON_OPTIONS);
  } catch (error) {
    throw new Error(`Timer ${definition.name}: schedule "${schedule}" is not a six-field NCRONTAB expression`, { cause: error });
  }
  return { definition, schedule, pattern, running: false, last: NEVER_RUN };
}

/** Resolves and checks every timer function's schedule (throws on the first bad one). */
export function prepareTimers(definitions: readonly FunctionDefinition[], env: NodeJS.ProcessEnv, invoker: Invoker): TimerTriggers {
  const timers = definitions.filter((d): d is TimerFunctionDefinition => d.kind === "timer").map((d) => prepare(d, env));

  const run = async (state: TimerState, source: "schedule" | "admin"): Promise<void> => {
    const { definition } = state;
    if (source === "schedule" && state.running) {
      // The host runs a timer function as a singleton: a tick during a run is skipped.
      invoker.log(`[${definition.name}] skipped: the previous run is still in progress`);
      return;
    }
    state.running = true;
    const now = new Date().toISOString();
    const timer: Timer = {
      isPastDue: false,
      schedule: { adjustForDST: false },
      scheduleStatus: { last: state.last, next: state.pattern.nextRun()?.toISOString() ?? NEVER_RUN, lastUpdated: now },
    };
    state.last = now;
    const context = invoker.createContext(definition.name, {
      options: { trigger: { type: "timerTrigger", name: "timer", schedule: state.schedule } },
    });
    try {
      await definition.handler(timer, context);
    } catch (error) {
      invoker.log(`[${definition.name}] failed: ${describeError(error)}`);
    } finally {
      state.running = false;
    }
  };

  return {
    start(track) {
      for (const state of timers) {
        state.cron = new Cron(state.schedule, CRON_OPTIONS, () => {
          void track(run(state, "schedule"));
        });
      }
    },
    stop() {
      for (const state of timers) state.cron?.stop();
    },
    runByHand(definition) {
      const state = timers.find((t) => t.definition === definition);
      return state === undefined ? undefined : run(state, "admin");
    },
  };
}

import type { InvocationContext } from "@azure/functions";
import type { Logger } from "../engine/ports.js";

/** A logger over the invocation context that writes messages and engine ids, never payloads. */
export function contextLogger(context: InvocationContext): Logger {
  const format = (message: string, fields?: Readonly<Record<string, string | number | boolean | undefined>>) => {
    const pairs = Object.entries(fields ?? {})
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => `${k}=${String(v)}`);
    return pairs.length === 0 ? message : `${message} ${pairs.join(" ")}`;
  };
  return {
    info: (message, fields) => {
      context.log(format(message, fields));
    },
    warn: (message, fields) => {
      context.warn(format(message, fields));
    },
    error: (message, fields) => {
      context.error(format(message, fields));
    },
  };
}

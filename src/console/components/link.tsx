import type { ComponentChildren } from "preact";
import { followLink, href } from "../router.js";

// An in-console link: a real href (so it opens in a new tab when asked), history navigation on click.

export function Link(props: {
  readonly to: string;
  readonly query?: Readonly<Record<string, string | undefined>>;
  readonly class?: string;
  readonly current?: boolean;
  readonly children: ComponentChildren;
  readonly "aria-label"?: string;
}) {
  return (
    <a
      href={href(props.to, props.query)}
      class={props.class}
      onClick={followLink}
      aria-current={props.current === true ? "page" : undefined}
      aria-label={props["aria-label"]}
    >
      {props.children}
    </a>
  );
}

// How seeded ids are spelled: an org's key (`demo` for the first org, then `0002`, `0003`...)
// and the zero-padded numbers in ids such as `contact-demo-0001` or `order-0002-0005-01`.

export const pad = (n: number, width: number): string => String(n).padStart(width, "0");

/** The key in the ids of org n (1-based): its id is `org-{key}`. */
export function orgKeyOf(orgIndex: number): string {
  return orgIndex === 1 ? "demo" : pad(orgIndex, 4);
}

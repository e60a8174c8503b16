// What a dataset holds, in the forms its users check: item counts per container, and every
// personal value as stored (for "no personal data in logs" checks).

import { PLATFORM_CONTAINER_IDS, type PlatformContainerId } from "../../config/resources.js";
import type { Dataset } from "./model.js";

/** Item counts per container, as written by seedPlatform. */
export function datasetCounts(dataset: Dataset): Record<PlatformContainerId, number> {
  const counts = PLATFORM_CONTAINER_IDS.map((id) => [id, dataset.items[id].length] as const);
  return Object.fromEntries(counts) as Record<PlatformContainerId, number>;
}

/**
 * Every personal value in the dataset, as stored: names, phones (in every stored format),
 * emails (in every stored case) and street lines. Sorted, without duplicates. For "no personal
 * data in logs" checks.
 */
export function personalValuesOf(dataset: Dataset): string[] {
  const values = new Set<string>();
  const add = (value: string | undefined) => {
    if (value !== undefined && value !== "") values.add(value);
  };
  const { items } = dataset;
  for (const org of items.organizations) add(org.billingEmail);
  for (const user of items.users) [user.name, user.email, user.phone].forEach(add);
  for (const contact of items.contacts) [contact.name, contact.phone, contact.email].forEach(add);
  for (const { customer } of items.orders) [customer.name, customer.phone, customer.email, customer.address.street].forEach(add);
  for (const event of items.campaignEvents) add(event.phone);
  return [...values].sort();
}

/**
 * What other services import from this package: the typed producer of erasure requests and the
 * message schema it validates against.
 *
 *   import { enqueueErasure } from "privacy-engine/dist/src/public.js";
 *   await enqueueErasure(client.createSender("erasure-requests"), { schemaVersion: 1, kind: "erasure", ... });
 */
export { enqueueErasure } from "./stores/service-bus.js";
export { ErasureMessageV1, ERASURE_MESSAGE_KINDS, type ErasureMessageKind } from "./engine/erasure-intake.js";

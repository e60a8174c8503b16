// What other services import from this package: the typed producer of erasure requests and the
// message schema it validates against. The producer names itself as `PRIVACY_SERVICE_BUS_PRODUCERS`
// declares it; the engine accepts only the orgs and kinds that declaration allows.
//
//   import { enqueueErasure } from "privacy-engine/dist/src/public.js";
//   await enqueueErasure(client.createSender("erasure-requests"), { schemaVersion: 1, kind: "erasure", ... }, { producer: "crm-service" });

export { enqueueErasure, type EnqueueErasureOptions } from "./stores/service-bus.js";
export { ErasureMessageV1, ERASURE_MESSAGE_KINDS, PRODUCER_PROPERTY, type ErasureMessageKind } from "./domain/erasure-message.js";
/** For the messaging service: opens the sealed code of a verification delivery message. */
export { openDeliveredCode } from "./domain/sealed-secret.js";

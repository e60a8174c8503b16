// Local or Azure: whether the settings of the local host (`npm start`) point at this machine.
// `npm start` serves every function with a development key that is privacy-admin for every org,
// so refuseAzureEndpoints stops it from serving data that lives in Azure unless
// PRIVACY_LOCAL_ALLOW_AZURE=true says that is meant. Problems name settings, never their values.

import { SettingsError, SettingsSchema } from "../../config/settings.js";
import { AZURITE_ACCOUNT_NAME } from "./connection.js";

/** localhost, 127.0.0.0/8 or ::1 (brackets allowed). */
export function isLoopbackHost(host: string): boolean {
  const name = host.replace(/^\[|\]$/g, "").toLowerCase();
  return name === "localhost" || name === "::1" || /^127(?:\.\d{1,3}){3}$/.test(name);
}

/** True for an absolute URL whose host is this machine; false for any other host or no URL. */
export function isLoopbackUrl(value: string): boolean {
  try {
    return isLoopbackHost(new URL(value).hostname);
  } catch {
    return false;
  }
}

/** `key=value;…` (storage and Service Bus connection strings); keys case-insensitive. */
function connectionStringParts(value: string): Map<string, string> {
  const parts = new Map<string, string>();
  for (const part of value.split(";")) {
    const at = part.indexOf("=");
    if (at > 0) parts.set(part.slice(0, at).trim().toLowerCase(), part.slice(at + 1).trim());
  }
  return parts;
}

/** The emulators' storage: the development shortcut, or devstoreaccount1 with loopback endpoints only. */
export function isLocalStorageConnection(value: string): boolean {
  const parts = connectionStringParts(value);
  if (parts.get("usedevelopmentstorage")?.toLowerCase() === "true") return true;
  const endpoints = ["blobendpoint", "queueendpoint", "tableendpoint", "fileendpoint"].flatMap((k) => {
    const endpoint = parts.get(k);
    return endpoint === undefined ? [] : [endpoint];
  });
  // No explicit endpoint: the SDK builds https://<account>.<service>.core.windows.net.
  if (endpoints.length === 0) return false;
  if (!endpoints.every(isLoopbackUrl)) return false;
  const account = parts.get("accountname");
  return account === undefined || account === AZURITE_ACCOUNT_NAME;
}

/**
 * The settings that would make the local host (`npm start`) serve data that is not on this
 * machine: Cosmos, storage (connection string or identity-based settings) and Service Bus that
 * point anywhere but loopback. Each problem names the setting, never its value (connection
 * strings carry keys).
 */
export function azureEndpointProblems(env: NodeJS.ProcessEnv): string[] {
  const problems: string[] = [];
  const set = (name: string) => {
    const value = env[name];
    return value === undefined || value.trim() === "" ? undefined : value.trim();
  };
  const elsewhere = (name: string, what: string) => problems.push(`${name} points at ${what} other than this machine (Azure?)`);

  const cosmos = set("COSMOS_ENDPOINT");
  if (cosmos !== undefined && !isLoopbackUrl(cosmos)) elsewhere("COSMOS_ENDPOINT", "a Cosmos DB account");
  const storage = set("AzureWebJobsStorage");
  if (storage !== undefined && !isLocalStorageConnection(storage)) elsewhere("AzureWebJobsStorage", "a storage account");
  // Identity-based connections (AzureWebJobsStorage__accountName, __blobServiceUri, …).
  for (const name of Object.keys(env).filter((k) => k.toLowerCase().startsWith("azurewebjobsstorage__")).sort()) {
    const value = set(name);
    if (value === undefined) continue;
    const local = name.toLowerCase().endsWith("uri") ? isLoopbackUrl(value) : name.toLowerCase().endsWith("__accountname") && value === AZURITE_ACCOUNT_NAME;
    if (!local) elsewhere(name, "a storage account");
  }
  const accountUrl = set("PRIVACY_STORAGE_ACCOUNT_URL");
  if (accountUrl !== undefined && !isLoopbackUrl(accountUrl)) elsewhere("PRIVACY_STORAGE_ACCOUNT_URL", "a storage account");
  const serviceBus = set("ServiceBusConnection");
  if (serviceBus !== undefined) {
    const endpoint = connectionStringParts(serviceBus).get("endpoint");
    if (endpoint === undefined || !isLoopbackUrl(endpoint)) elsewhere("ServiceBusConnection", "a Service Bus namespace");
  }
  const namespace = set("ServiceBusConnection__fullyQualifiedNamespace");
  if (namespace !== undefined && !isLoopbackUrl(`sb://${namespace}`)) elsewhere("ServiceBusConnection__fullyQualifiedNamespace", "a Service Bus namespace");
  return problems;
}

/**
 * `npm start` serves every function with a development key that is privacy-admin for every
 * org; against Azure data that is a door. Throws (naming the settings) unless
 * PRIVACY_LOCAL_ALLOW_AZURE=true; returns the settings that point at Azure when it is.
 */
export function refuseAzureEndpoints(env: NodeJS.ProcessEnv): string[] {
  const raw = env.PRIVACY_LOCAL_ALLOW_AZURE;
  const allow = SettingsSchema.shape.PRIVACY_LOCAL_ALLOW_AZURE.safeParse(raw === "" ? undefined : raw);
  if (!allow.success) throw new SettingsError(["PRIVACY_LOCAL_ALLOW_AZURE: must be true or false"]);
  const problems = azureEndpointProblems(env);
  if (problems.length > 0 && !allow.data) {
    throw new SettingsError([
      ...problems,
      "npm start runs on the embedded emulators only: unset these to use them, or set PRIVACY_LOCAL_ALLOW_AZURE=true to run the local host against Azure",
    ]);
  }
  return problems;
}

/**
 * The Microsoft Entra ID credential for an endpoint connection, from @azure/identity:
 * - "default": DefaultAzureCredential (environment variables, workload identity, managed
 *   identity, Azure CLI... in that order), the usual choice;
 * - "managedIdentity": a system-assigned identity, or a user-assigned one by client id;
 * - "clientSecret": a service principal (tenant id, client id, secret).
 */
import { ClientSecretCredential, DefaultAzureCredential, ManagedIdentityCredential } from "@azure/identity";
import type { TokenCredential } from "@azure/identity";

export type EntraSettings =
  | { method: "default"; clientId?: string }
  | { method: "managedIdentity"; clientId?: string }
  | { method: "clientSecret"; tenantId: string; clientId: string; clientSecret: string; authorityHost?: string };

export function createEntraCredential(settings: EntraSettings): TokenCredential {
  switch (settings.method) {
    case "default":
      return new DefaultAzureCredential(settings.clientId ? { managedIdentityClientId: settings.clientId } : {});
    case "managedIdentity":
      return settings.clientId ? new ManagedIdentityCredential({ clientId: settings.clientId }) : new ManagedIdentityCredential();
    case "clientSecret": {
      const missing = (["tenantId", "clientId", "clientSecret"] as const).filter((k) => !settings[k]);
      if (missing.length) throw new Error(`Entra ID client secret sign-in needs ${missing.join(", ")}`);
      return new ClientSecretCredential(settings.tenantId, settings.clientId, settings.clientSecret, {
        ...(settings.authorityHost ? { authorityHost: settings.authorityHost } : {}),
      });
    }
  }
}

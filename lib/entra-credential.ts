/**
 * The Microsoft Entra ID credential for an endpoint connection, from @azure/identity:
 * - "default": DefaultAzureCredential (environment variables, workload identity, managed
 *   identity, Azure CLI... in that order), the usual choice;
 * - "managedIdentity": a system-assigned identity, or a user-assigned one by client id;
 * - "clientSecret": a service principal (tenant id, client id, secret), optionally at another
 *   authority host (a sovereign cloud, or a private authority such as the simulator's).
 */
import { AzureAuthorityHosts, ClientSecretCredential, DefaultAzureCredential, ManagedIdentityCredential } from "@azure/identity";
import type { TokenCredential } from "@azure/identity";
import { libText, LocalizedError } from "./lib-text";

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
      if (missing.length) throw new LocalizedError(libText("entraSecretNeeds", { fields: missing.join(", ") }));
      const authorityHost = settings.authorityHost?.trim().replace(/\/+$/, "") || undefined;
      return new ClientSecretCredential(settings.tenantId, settings.clientId, settings.clientSecret, {
        ...(authorityHost ? { authorityHost } : {}),
        ...(authorityHost && !isAzureCloudAuthority(authorityHost) ? { disableInstanceDiscovery: true } : {}),
      });
    }
  }
}

/**
 * Whether an authority host is one of Azure's clouds. For any other host, MSAL's instance
 * discovery would ask login.microsoftonline.com whether it is a Microsoft authority: a private
 * authority (AD FS on Azure Stack Hub, the simulator's token endpoint) is not, so sign-in would be
 * refused as an untrusted authority, and offline the question itself fails. The host configured
 * on the node is the one its author chose to trust, so discovery is skipped for it, as
 * @azure/identity advises for such authorities (`disableInstanceDiscovery`).
 */
export function isAzureCloudAuthority(authorityHost: string): boolean {
  try {
    const origin = new URL(authorityHost).origin.toLowerCase();
    return (Object.values(AzureAuthorityHosts) as string[]).some((known) => new URL(known).origin === origin);
  } catch {
    return false;
  }
}

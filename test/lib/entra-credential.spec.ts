import assert from "node:assert/strict";
import { AzureAuthorityHosts, ClientSecretCredential, DefaultAzureCredential, ManagedIdentityCredential } from "@azure/identity";
import { createEntraCredential, isAzureCloudAuthority } from "../../lib/entra-credential";

// Signing in for real is tested end to end in test/nodes/entra.spec.ts (a real Node-RED, the
// simulator's token endpoint over verified TLS); these are the choices made before any request.
describe("entra-credential", () => {
  it("builds the credential class each sign-in method names", () => {
    assert.ok(createEntraCredential({ method: "default" }) instanceof DefaultAzureCredential);
    assert.ok(createEntraCredential({ method: "managedIdentity" }) instanceof ManagedIdentityCredential);
    assert.ok(createEntraCredential({ method: "managedIdentity", clientId: "11111111-2222-3333-4444-555555555555" }) instanceof ManagedIdentityCredential);
    const secret = createEntraCredential({ method: "clientSecret", tenantId: "t", clientId: "c", clientSecret: "s", authorityHost: "https://127.0.0.1:5443/" });
    assert.ok(secret instanceof ClientSecretCredential);
  });

  it("names what a client-secret sign-in is missing, and never the secret", () => {
    assert.throws(() => createEntraCredential({ method: "clientSecret", tenantId: "", clientId: "c", clientSecret: "" }), /^Error: Entra ID client secret sign-in needs tenantId, clientSecret$/);
    assert.throws(
      () => createEntraCredential({ method: "clientSecret", tenantId: "t", clientId: "", clientSecret: "s3cr3t-value" }),
      (err: Error) => !err.message.includes("s3cr3t-value") && /clientId/.test(err.message),
    );
  });

  it("refuses a plain-http authority host (@azure/identity's own check)", () => {
    assert.throws(() => createEntraCredential({ method: "clientSecret", tenantId: "t", clientId: "c", clientSecret: "s", authorityHost: "http://127.0.0.1:5100" }), /https/);
  });

  it("tells Azure's clouds, where MSAL's instance discovery runs, from private authority hosts", () => {
    for (const host of Object.values(AzureAuthorityHosts)) {
      assert.ok(isAzureCloudAuthority(host), host);
      assert.ok(isAzureCloudAuthority(`${host}/`), `${host}/`);
    }
    assert.ok(isAzureCloudAuthority("https://LOGIN.microsoftonline.com"));
    for (const host of ["https://127.0.0.1:5443", "https://adfs.contoso.com/adfs", "https://login.microsoftonline.com.evil.example", "http://login.microsoftonline.com", "not a url"]) {
      assert.equal(isAzureCloudAuthority(host), false, host);
    }
  });
});

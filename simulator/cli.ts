#!/usr/bin/env node
/**
 * `acs-simulator`: run the ACS Call Automation simulator on its own.
 *   acs-simulator [--port N] [--host H] [--speed X] [--resource-id ID] [--number +1800...]
 *                 [--tls-key FILE --tls-cert FILE]
 * Prints the connection string for the SDK and the control API base, then runs until stopped.
 * With a TLS key and certificate it serves https, and also prints the Microsoft Entra ID
 * application its token endpoint accepts, for a client-secret credential.
 */
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { startSimulator } from "./index";

const USAGE = `Usage: acs-simulator [options]
  --port N            TCP port (0 = any free port; default 0)
  --host H            interface to listen on (default 127.0.0.1)
  --speed X           run simulated time X times faster than real time (default 1)
  --resource-id ID    resource id (the audience of callback JWTs; default random)
  --number E164       a phone number the resource owns (repeatable; default +18005550100)
  --ring-timeout S    seconds an unanswered call rings (default 30)
  --tls-key FILE      serve https with this PEM private key (with --tls-cert)
  --tls-cert FILE     serve https with this PEM certificate (chain)
  --help              show this help`;

async function main(): Promise<void> {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        port: { type: "string" },
        host: { type: "string" },
        speed: { type: "string" },
        "resource-id": { type: "string" },
        number: { type: "string", multiple: true },
        "ring-timeout": { type: "string" },
        "tls-key": { type: "string" },
        "tls-cert": { type: "string" },
        help: { type: "boolean" },
      },
      strict: true,
    }));
  } catch (err) {
    console.error(`acs-simulator: ${(err as Error).message}\n${USAGE}`);
    process.exit(2);
  }
  if (values.help) {
    console.log(USAGE);
    return;
  }
  const number = (name: string, value: string | undefined, min: number, max: number): number | undefined => {
    if (value === undefined) return undefined;
    const n = Number(value);
    if (!Number.isFinite(n) || n < min || n > max) {
      console.error(`acs-simulator: --${name} must be a number from ${min} to ${max}`);
      process.exit(2);
    }
    return n;
  };
  const port = number("port", values.port, 0, 65535);
  if (port !== undefined && !Number.isInteger(port)) {
    console.error("acs-simulator: --port must be a whole number");
    process.exit(2);
  }
  let tls: { key: Buffer; cert: Buffer } | undefined;
  const keyFile = values["tls-key"];
  const certFile = values["tls-cert"];
  if (keyFile !== undefined || certFile !== undefined) {
    if (!keyFile || !certFile) {
      console.error("acs-simulator: --tls-key and --tls-cert go together");
      process.exit(2);
    }
    try {
      tls = { key: readFileSync(keyFile), cert: readFileSync(certFile) };
    } catch (err) {
      console.error(`acs-simulator: cannot read the TLS files: ${(err as Error).message}`);
      process.exit(2);
    }
  }
  let sim;
  try {
    sim = await startSimulator({
      port,
      tls,
      host: values.host,
      speed: number("speed", values.speed, 0.01, 10000),
      resourceId: values["resource-id"],
      ownedNumbers: values.number,
      ringTimeoutSeconds: number("ring-timeout", values["ring-timeout"], 1, 3600),
    });
  } catch (err) {
    console.error(`acs-simulator: could not start: ${(err as Error).message}`);
    process.exit(1);
  }
  console.log(`ACS_CONNECTION_STRING=${sim.connectionString}`);
  console.log(`ACS_SIMULATOR_CONTROL=${sim.controlBase}`);
  console.log(`ACS_RESOURCE_ID=${sim.resourceId}`);
  if (sim.tls) {
    // What an Entra ID (client secret) connection needs: @azure/identity only talks to an https authority.
    const entra = sim.entraClients[0];
    console.log(`ACS_ENDPOINT=${sim.endpoint}`);
    console.log(`ACS_ENTRA_AUTHORITY_HOST=${sim.authorityHost}`);
    console.log(`ACS_ENTRA_TENANT_ID=${entra.tenantId}`);
    console.log(`ACS_ENTRA_CLIENT_ID=${entra.clientId}`);
    console.log(`ACS_ENTRA_CLIENT_SECRET=${entra.clientSecret}`);
    console.log(`Owned numbers: ${sim.ownedNumbers.join(", ")}. Clients must trust the certificate's CA (e.g. NODE_EXTRA_CA_CERTS=ca.pem).`);
  } else {
    console.log(`Owned numbers: ${sim.ownedNumbers.join(", ")}. Create the SDK client with { allowInsecureConnection: true }.`);
  }
  console.log(`Phone page (a softphone in the browser): ${sim.controlBase}/phone`);
  const shutdown = (): void => {
    void sim.stop().then(() => process.exit(0));
  };
  process.on("SIGINT", shutdown);
  process.on("SIGTERM", shutdown);
}

void main();

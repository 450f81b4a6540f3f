/**
 * The standalone `acs-simulator` command (dist/simulator/cli.js): it prints a connection string
 * the real SDK can use at once, prints its usage on --help, and refuses bad flags.
 */
import assert from "node:assert/strict";
import { execFileSync, spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { CallAutomationClient } from "@azure/communication-call-automation";
import { ClientSecretCredential } from "@azure/identity";
import { makeTestPki } from "../support/test-ca";

const ROOT = join(__dirname, "..", "..");
const CLI = join(ROOT, "dist", "simulator", "cli.js");

/** Start the CLI and wait for the lines it prints on start-up. */
async function startCli(args: string[]): Promise<{ child: ChildProcess; lines: Map<string, string>; exited: Promise<number | null> }> {
  const child = spawn(process.execPath, [CLI, ...args], { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  let stderr = "";
  child.stderr?.on("data", (d: Buffer) => (stderr += d.toString()));
  const lines = new Map<string, string>();
  const rl = createInterface({ input: child.stdout! });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the CLI printed no connection string in time. stderr: ${stderr}`)), 10_000);
    rl.on("line", (line) => {
      const m = /^(ACS_[A-Z_]+)=(.*)$/.exec(line);
      if (m) lines.set(m[1], m[2]);
      // "Owned numbers" follows every ACS_ line (the https ones too): the output may come in several chunks.
      if (lines.has("ACS_CONNECTION_STRING") && lines.has("ACS_SIMULATOR_CONTROL") && line.startsWith("Owned numbers")) {
        clearTimeout(timer);
        resolve();
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`the CLI exited (${code}) before printing its connection string. stderr: ${stderr}`));
    });
  });
  return { child, lines, exited };
}

function runCli(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd: ROOT, encoding: "utf8", timeout: 10_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe("acs-simulator CLI", function () {
  this.timeout(120_000);

  before(() => {
    // CI builds before mocha; build here only when there is nothing to run.
    if (!existsSync(CLI)) execFileSync("npm", ["run", "build"], { cwd: ROOT, stdio: "ignore", timeout: 110_000 });
    assert.ok(existsSync(CLI), "dist/simulator/cli.js exists");
  });

  describe("running", () => {
    let running: Awaited<ReturnType<typeof startCli>> | undefined;
    afterEach(() => {
      if (running && running.child.exitCode === null) running.child.kill("SIGKILL");
      running = undefined;
    });

    it("prints a connection string the SDK can use at once, and stops cleanly on SIGTERM", async () => {
      running = await startCli(["--port", "0"]);
      const cs = running.lines.get("ACS_CONNECTION_STRING") ?? "";
      const m = /^endpoint=(http:\/\/127\.0\.0\.1:(\d+)\/);accesskey=([A-Za-z0-9+/=]+)$/.exec(cs);
      assert.ok(m, `connection string: ${cs}`);
      assert.ok(Number(m[2]) > 0, "a real port, not 0");
      assert.equal(running.lines.get("ACS_SIMULATOR_CONTROL"), `${m[1]}simulator`);

      const client = new CallAutomationClient(cs, { allowInsecureConnection: true });
      const created = await client.createCall(
        { targetParticipant: { phoneNumber: "+14255550123" }, sourceCallIdNumber: { phoneNumber: "+18005550100" } },
        "http://127.0.0.1:9/callbacks",
      );
      const id = created.callConnectionProperties.callConnectionId;
      assert.ok(id);
      assert.equal(created.callConnectionProperties.callConnectionState, "connecting");
      const props = await client.getCallConnection(id).getCallConnectionProperties();
      assert.equal(props.callConnectionState, "connecting");
      const calls = (await (await fetch(`${running.lines.get("ACS_SIMULATOR_CONTROL")}/calls`)).json()) as Array<{ to: string; state: string }>;
      assert.deepEqual(calls.map((c) => [c.to, c.state]), [["4:+14255550123", "ringing"]]);

      running.child.kill("SIGTERM");
      assert.equal(await running.exited, 0, "a clean exit on SIGTERM");
    });

    it("owns the numbers given with --number", async () => {
      running = await startCli(["--port", "0", "--number", "+18005550111", "--speed", "20"]);
      const client = new CallAutomationClient(running.lines.get("ACS_CONNECTION_STRING") ?? "", { allowInsecureConnection: true });
      const invite = (callerId: string) => ({ targetParticipant: { phoneNumber: "+14255550124" }, sourceCallIdNumber: { phoneNumber: callerId } });
      await client.createCall(invite("+18005550111"), "http://127.0.0.1:9/callbacks");
      await assert.rejects(client.createCall(invite("+18005550100"), "http://127.0.0.1:9/callbacks"), (err: { statusCode?: number }) => {
        assert.equal(err.statusCode, 403, "the default number is not owned when --number is given");
        return true;
      });
    });
  });

  describe("over https (--tls-key, --tls-cert)", () => {
    let dir = "";
    let ca = "";
    let running: Awaited<ReturnType<typeof startCli>> | undefined;
    before(() => {
      dir = mkdtempSync(join(tmpdir(), "acs-cli-tls-"));
      const pki = makeTestPki();
      ca = pki.caCert;
      writeFileSync(join(dir, "key.pem"), pki.serverKey);
      writeFileSync(join(dir, "cert.pem"), pki.serverCert);
      writeFileSync(join(dir, "not-pem.txt"), "not a key");
    });
    afterEach(() => {
      if (running && running.child.exitCode === null) running.child.kill("SIGKILL");
      running = undefined;
    });
    after(() => rmSync(dir, { recursive: true, force: true }));

    it("serves https and prints the Entra application its token endpoint accepts; the SDK and @azure/identity reach it trusting the CA", async () => {
      running = await startCli(["--port", "0", "--tls-key", join(dir, "key.pem"), "--tls-cert", join(dir, "cert.pem")]);
      const lines = running.lines;
      const cs = lines.get("ACS_CONNECTION_STRING") ?? "";
      const m = /^endpoint=(https:\/\/127\.0\.0\.1:\d+\/);accesskey=[A-Za-z0-9+/=]+$/.exec(cs);
      assert.ok(m, `connection string: ${cs}`);
      const endpoint = m[1];
      assert.equal(lines.get("ACS_ENDPOINT"), endpoint);
      assert.equal(lines.get("ACS_SIMULATOR_CONTROL"), `${endpoint}simulator`);
      assert.equal(lines.get("ACS_ENTRA_AUTHORITY_HOST"), endpoint.replace(/\/$/, ""));
      for (const key of ["ACS_ENTRA_TENANT_ID", "ACS_ENTRA_CLIENT_ID", "ACS_ENTRA_CLIENT_SECRET"]) assert.ok(lines.get(key), key);

      // The access key (HMAC) over https: no allowInsecureConnection, only the test CA trusted.
      const tlsOptions = { ca };
      const invite = { targetParticipant: { phoneNumber: "+14255550125" }, sourceCallIdNumber: { phoneNumber: "+18005550100" } };
      const hmac = new CallAutomationClient(cs, { tlsOptions });
      assert.ok((await hmac.createCall(invite, "http://127.0.0.1:9/callbacks")).callConnectionProperties.callConnectionId);

      // A client-secret credential on the printed application, its authority the simulator itself.
      const credential = new ClientSecretCredential(lines.get("ACS_ENTRA_TENANT_ID")!, lines.get("ACS_ENTRA_CLIENT_ID")!, lines.get("ACS_ENTRA_CLIENT_SECRET")!, {
        authorityHost: lines.get("ACS_ENTRA_AUTHORITY_HOST"),
        disableInstanceDiscovery: true,
        tlsOptions,
      });
      const bearer = new CallAutomationClient(endpoint, credential, { tlsOptions });
      assert.ok((await bearer.createCall(invite, "http://127.0.0.1:9/callbacks")).callConnectionProperties.callConnectionId);

      // Without the CA the handshake fails: the certificate is checked.
      await assert.rejects(new CallAutomationClient(cs, { retryOptions: { maxRetries: 0 } }).createCall(invite, "http://127.0.0.1:9/callbacks"), /certificate|UNABLE_TO_VERIFY/i);
    });

    it("refuses half a TLS setting or unreadable files with exit code 2, and a bad key with exit code 1", () => {
      for (const args of [["--tls-key", join(dir, "key.pem")], ["--tls-cert", join(dir, "cert.pem")]]) {
        const r = runCli(["--port", "0", ...args]);
        assert.equal(r.status, 2, r.stderr);
        assert.match(r.stderr, /--tls-key and --tls-cert go together/);
      }
      const missing = runCli(["--port", "0", "--tls-key", join(dir, "nope.pem"), "--tls-cert", join(dir, "cert.pem")]);
      assert.equal(missing.status, 2, missing.stderr);
      assert.match(missing.stderr, /cannot read the TLS files/);
      const bad = runCli(["--port", "0", "--tls-key", join(dir, "not-pem.txt"), "--tls-cert", join(dir, "cert.pem")]);
      assert.equal(bad.status, 1, bad.stderr);
      assert.match(bad.stderr, /could not start/);
      assert.equal(bad.stdout, "");
    });
  });

  it("--help prints the usage and exits 0", () => {
    const r = runCli(["--help"]);
    assert.equal(r.status, 0);
    assert.match(r.stdout, /^Usage: acs-simulator/);
    assert.match(r.stdout, /--port N/);
    assert.match(r.stdout, /--tls-key FILE/);
    assert.match(r.stdout, /--tls-cert FILE/);
    assert.doesNotMatch(r.stdout, /ACS_CONNECTION_STRING/, "help does not start a simulator");
  });

  it("refuses a bad flag or value with exit code 2 and a message", () => {
    const cases: Array<[string[], RegExp]> = [
      [["--bogus"], /acs-simulator: .*bogus/],
      [["--port", "abc"], /--port/],
      [["--port", "70000"], /--port/],
      [["--port", "1.5"], /--port/],
      [["--speed", "0"], /--speed/],
      [["--ring-timeout", "-1"], /--ring-timeout/],
      [["extra-positional"], /acs-simulator: /],
    ];
    for (const [args, message] of cases) {
      const r = runCli(args);
      assert.equal(r.status, 2, `${args.join(" ")}: exit ${r.status}, stderr ${r.stderr}`);
      assert.match(r.stderr, message, args.join(" "));
      assert.equal(r.stdout, "", `${args.join(" ")} prints nothing on stdout`);
    }
  });

  it("exits 1 with a message when it cannot start", () => {
    const r = runCli(["--port", "0", "--number", "not-a-number"]);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /could not start.*not-a-number/);
  });
});

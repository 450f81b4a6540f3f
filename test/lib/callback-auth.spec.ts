import assert from "node:assert/strict";
import { SignJWT, generateKeyPair } from "jose";
import { CallbackJwtVerifier, newWebhookSecret, secretMatches, type Verdict } from "../../lib/callback-auth";
import { renderText } from "../../lib/lib-text";
import { type AcsSimulator, startSimulator } from "../../simulator";
import { SimulatorKeys } from "../../simulator/keys";

/** A verdict with its reason in English words. */
const inWords = (verdict: Verdict) => (verdict.ok ? verdict : { ok: false, reason: renderText(verdict.reason) });

describe("callback authentication", () => {
  describe("webhook secrets", () => {
    it("makes distinct URL-safe secrets and compares them exactly", () => {
      const a = newWebhookSecret();
      const b = newWebhookSecret();
      assert.notEqual(a, b);
      assert.match(a, /^[A-Za-z0-9_-]{32}$/);
      assert.equal(secretMatches(a, a), true);
      assert.equal(secretMatches(b, a), false);
      assert.equal(secretMatches(a.slice(1), a), false);
      assert.equal(secretMatches(undefined, a), false);
      assert.equal(secretMatches(["x"], a), false);
      assert.equal(secretMatches("", ""), false);
    });
  });

  describe("JWT verification against the simulator's JWKS", () => {
    let sim: AcsSimulator;
    let keys: SimulatorKeys;
    before(async () => {
      sim = await startSimulator();
      // The simulator signs with its own private key; reach it the way deliveries do.
      keys = (sim as unknown as { keys: SimulatorKeys }).keys;
    });
    after(async () => {
      await sim.stop();
    });

    it("accepts a token the simulator signed for this audience", async () => {
      const verifier = new CallbackJwtVerifier({ issuer: sim.issuer, audience: sim.resourceId });
      const token = await keys.signCallbackToken(sim.issuer, sim.resourceId);
      assert.deepEqual(await verifier.verify(`Bearer ${token}`), { ok: true });
    });

    it("refuses another audience, another issuer, a missing header and a malformed token", async () => {
      const verifier = new CallbackJwtVerifier({ issuer: sim.issuer, audience: sim.resourceId });
      const otherAudience = await keys.signCallbackToken(sim.issuer, "another-resource");
      assert.deepEqual(inWords(await verifier.verify(`Bearer ${otherAudience}`)), { ok: false, reason: "token claim rejected (aud)" });
      const otherIssuer = await keys.signCallbackToken("https://evil.example", sim.resourceId);
      assert.deepEqual(inWords(await verifier.verify(`Bearer ${otherIssuer}`)), { ok: false, reason: "token claim rejected (iss)" });
      assert.deepEqual(inWords(await verifier.verify(undefined)), { ok: false, reason: "missing bearer token" });
      assert.deepEqual(inWords(await verifier.verify("Basic abc")), { ok: false, reason: "missing bearer token" });
      const malformed = await verifier.verify("Bearer not.a.jwt");
      assert.equal(malformed.ok, false);
    });

    it("refuses a forged signature and a key that is not in the JWKS", async () => {
      const verifier = new CallbackJwtVerifier({ issuer: sim.issuer, audience: sim.resourceId });
      const { privateKey } = await generateKeyPair("RS256");
      const forged = await new SignJWT({})
        .setProtectedHeader({ alg: "RS256", kid: keys.kid })
        .setIssuer(sim.issuer)
        .setAudience(sim.resourceId)
        .setExpirationTime("5m")
        .sign(privateKey);
      assert.deepEqual(inWords(await verifier.verify(`Bearer ${forged}`)), { ok: false, reason: "token signature invalid" });

      const otherKeys = await SimulatorKeys.create();
      const unknownKid = await otherKeys.signCallbackToken(sim.issuer, sim.resourceId);
      assert.deepEqual(inWords(await verifier.verify(`Bearer ${unknownKid}`)), { ok: false, reason: "token signed by an unknown key" });
    });

    it("refuses an HS256 token even with a matching kid (algorithm confusion)", async () => {
      const verifier = new CallbackJwtVerifier({ issuer: sim.issuer, audience: sim.resourceId });
      const hs = await new SignJWT({})
        .setProtectedHeader({ alg: "HS256", kid: keys.kid })
        .setIssuer(sim.issuer)
        .setAudience(sim.resourceId)
        .setExpirationTime("5m")
        .sign(new TextEncoder().encode("x".repeat(32)));
      assert.deepEqual(inWords(await verifier.verify(`Bearer ${hs}`)), { ok: false, reason: "token algorithm not allowed" });
    });

    it("says the keys are unavailable when the JWKS cannot be fetched", async () => {
      const verifier = new CallbackJwtVerifier({ issuer: sim.issuer, audience: sim.resourceId, jwksUrl: "http://127.0.0.1:9/calling/keys" });
      const token = await keys.signCallbackToken(sim.issuer, sim.resourceId);
      const verdict = await verifier.verify(`Bearer ${token}`);
      assert.equal(verdict.ok, false);
      assert.ok(!JSON.stringify(verdict).includes(token), "the verdict must not echo the token");
    });
  });
});

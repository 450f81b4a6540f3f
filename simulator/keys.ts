/**
 * The simulator's signing keys, used like ACS uses its own: every callback carries an RS256 JWT
 * (`Authorization: Bearer`) that a webhook verifies against the keys served at `/calling/keys`.
 * The same key signs the access tokens of the simulator's Entra-style token endpoint and the
 * opaque incomingCallContext tokens.
 */
import { randomUUID } from "node:crypto";
import { SignJWT, exportJWK, generateKeyPair, jwtVerify, type JWK, type KeyLike } from "jose";

/** Audience of Entra access tokens for Azure Communication Services. */
export const ACS_TOKEN_AUDIENCE = "https://communication.azure.com";
/** How long a callback token lives (ACS: 5 minutes). */
const CALLBACK_TOKEN_SECONDS = 5 * 60;

export class SimulatorKeys {
  private constructor(
    private readonly privateKey: KeyLike,
    private readonly publicKey: KeyLike,
    private readonly publicJwk: JWK,
    readonly kid: string,
  ) {}

  static async create(): Promise<SimulatorKeys> {
    const { privateKey, publicKey } = await generateKeyPair("RS256", { extractable: true });
    const kid = randomUUID();
    const jwk = { ...(await exportJWK(publicKey)), kid, alg: "RS256", use: "sig" };
    return new SimulatorKeys(privateKey, publicKey, jwk, kid);
  }

  jwks(): { keys: JWK[] } {
    return { keys: [this.publicJwk] };
  }

  /** The JWT that authenticates one callback delivery. */
  signCallbackToken(issuer: string, audience: string): Promise<string> {
    return new SignJWT({})
      .setProtectedHeader({ alg: "RS256", kid: this.kid, typ: "JWT" })
      .setIssuer(issuer)
      .setAudience(audience)
      .setIssuedAt()
      .setNotBefore("0s")
      .setExpirationTime(`${CALLBACK_TOKEN_SECONDS}s`)
      .setJti(randomUUID())
      .sign(this.privateKey);
  }

  /** An Entra-style access token for a registered client (client-credentials grant). */
  signAccessToken(issuer: string, clientId: string, tenantId: string, lifetimeSeconds: number): Promise<string> {
    return new SignJWT({ appid: clientId, tid: tenantId, roles: [] })
      .setProtectedHeader({ alg: "RS256", kid: this.kid, typ: "JWT" })
      .setIssuer(issuer)
      .setAudience(ACS_TOKEN_AUDIENCE)
      .setSubject(clientId)
      .setIssuedAt()
      .setNotBefore("0s")
      .setExpirationTime(`${lifetimeSeconds}s`)
      .sign(this.privateKey);
  }

  /** Verify an access token this simulator issued; resolves to its claims or throws. */
  async verifyAccessToken(token: string): Promise<Record<string, unknown>> {
    const { payload } = await jwtVerify(token, this.publicKey, {
      audience: [ACS_TOKEN_AUDIENCE, `${ACS_TOKEN_AUDIENCE}/`],
      algorithms: ["RS256"],
    });
    return payload as Record<string, unknown>;
  }

  /** The claims of a context token this simulator signed, or undefined if it is not one. */
  async verifyContext(token: string): Promise<Record<string, unknown> | undefined> {
    try {
      const { payload } = await jwtVerify(token, this.publicKey, { algorithms: ["RS256"] });
      return payload as Record<string, unknown>;
    } catch {
      return undefined;
    }
  }

  /** Sign an opaque context token (incomingCallContext). */
  signContext(claims: Record<string, unknown>): Promise<string> {
    return new SignJWT(claims)
      .setProtectedHeader({ alg: "RS256", kid: this.kid, typ: "JWT" })
      .setIssuedAt()
      .sign(this.privateKey);
  }
}

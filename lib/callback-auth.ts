/**
 * Authentication of incoming webhooks, secure by default:
 * - every callback URL carries a random per-config secret, compared in constant time;
 * - every Call Automation callback carries `Authorization: Bearer <JWT>`, verified with jose:
 *   RS256 only, the expected issuer and audience (the ACS resource id), lifetime, and a key from
 *   the issuer's JWKS (fetched and cached by jose's remote key set).
 * Nothing here throws to the caller: a verdict says what was wrong, without echoing the token.
 */
import { randomBytes, timingSafeEqual } from "node:crypto";
import { createRemoteJWKSet, jwtVerify } from "jose";
import { libText, type LibText } from "./lib-text";

/** The issuer real ACS puts in its callback tokens. */
export const ACS_CALLBACK_ISSUER = "https://acscallautomation.communication.azure.com";

export type Verdict = { ok: true } | { ok: false; reason: LibText };

/** A new URL-safe secret for a webhook URL. */
export function newWebhookSecret(): string {
  return randomBytes(24).toString("base64url");
}

/** Constant-time comparison of a presented secret with the expected one. */
export function secretMatches(presented: unknown, expected: string): boolean {
  if (typeof presented !== "string" || expected.length === 0) return false;
  const a = Buffer.from(presented);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

export interface CallbackJwtOptions {
  issuer: string;
  /** The ACS resource's immutable id. */
  audience: string;
  /** Where the signing keys are (default: `${issuer}/calling/keys`). */
  jwksUrl?: string;
  /** Allowed clock skew in seconds (default 60). */
  clockToleranceSeconds?: number;
}

/** Verifies callback JWTs for one issuer/audience; keys are fetched once and cached by jose. */
export class CallbackJwtVerifier {
  private readonly jwks: ReturnType<typeof createRemoteJWKSet>;

  constructor(private readonly options: CallbackJwtOptions) {
    this.jwks = createRemoteJWKSet(new URL(options.jwksUrl ?? `${options.issuer.replace(/\/$/, "")}/calling/keys`), {
      timeoutDuration: 5000,
      cooldownDuration: 30000,
    });
  }

  async verify(authorizationHeader: string | undefined): Promise<Verdict> {
    const m = /^Bearer\s+(\S+)$/i.exec(authorizationHeader ?? "");
    if (!m) return { ok: false, reason: libText("missingBearerToken") };
    try {
      await jwtVerify(m[1], this.jwks, {
        issuer: this.options.issuer,
        audience: this.options.audience,
        algorithms: ["RS256"],
        clockTolerance: this.options.clockToleranceSeconds ?? 60,
        requiredClaims: ["exp"],
      });
      return { ok: true };
    } catch (err) {
      return { ok: false, reason: jwtFailure(err) };
    }
  }
}

/** A short, secret-free description of why a token failed. */
function jwtFailure(err: unknown): LibText {
  const code = (err as { code?: string }).code ?? "";
  switch (code) {
    case "ERR_JWT_EXPIRED":
      return libText("tokenExpired");
    case "ERR_JWT_CLAIM_VALIDATION_FAILED":
      return libText("tokenClaimRejected", { claim: (err as { claim?: string }).claim ?? "claim" });
    case "ERR_JWS_SIGNATURE_VERIFICATION_FAILED":
      return libText("tokenSignatureInvalid");
    case "ERR_JWKS_NO_MATCHING_KEY":
      return libText("tokenUnknownKey");
    case "ERR_JOSE_ALG_NOT_ALLOWED":
      return libText("tokenAlgorithmNotAllowed");
    case "ERR_JWKS_TIMEOUT":
    case "ERR_JWKS_INVALID":
      return libText("signingKeysUnavailable");
    default:
      return libText(code === "ERR_JWS_INVALID" || code === "ERR_JWT_INVALID" ? "tokenMalformed" : "tokenRejected");
  }
}

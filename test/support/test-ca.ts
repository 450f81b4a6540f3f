/**
 * A throw-away certificate authority for tests, made with nothing but Node's crypto: a CA
 * certificate and a server certificate for 127.0.0.1, ::1 and localhost that it signs. Node's
 * crypto makes keys and signatures but not certificates, so the X.509 structure is written here in
 * DER (RFC 5280): a few dozen lines instead of a dependency (the maintained JS X.509 libraries
 * need a global Reflect polyfill, which would leak into every other test of the run).
 * Node's X509Certificate and the TLS handshake itself check what is made here.
 */
import { createHash, generateKeyPairSync, randomBytes, sign, type KeyObject } from "node:crypto";

export interface TestPki {
  /** The CA certificate, PEM: what a client trusts (NODE_EXTRA_CA_CERTS, or `ca`). */
  caCert: string;
  /** The server's certificate, PEM, signed by the CA. */
  serverCert: string;
  /** The server's private key, PEM (PKCS#8). */
  serverKey: string;
}

// ---------------------------------------------------------------- DER

function tlv(tag: number, content: Buffer): Buffer {
  const n = content.length;
  if (n < 0x80) return Buffer.concat([Buffer.from([tag, n]), content]);
  const length: number[] = [];
  for (let rest = n; rest > 0; rest >>= 8) length.unshift(rest & 0xff);
  return Buffer.concat([Buffer.from([tag, 0x80 | length.length, ...length]), content]);
}
const sequence = (...items: Buffer[]): Buffer => tlv(0x30, Buffer.concat(items));
const set = (...items: Buffer[]): Buffer => tlv(0x31, Buffer.concat(items));
const explicit = (n: number, inner: Buffer): Buffer => tlv(0xa0 + n, inner);
const boolean = (value: boolean): Buffer => tlv(0x01, Buffer.from([value ? 0xff : 0x00]));
const octetString = (bytes: Buffer): Buffer => tlv(0x04, bytes);
const utf8String = (text: string): Buffer => tlv(0x0c, Buffer.from(text, "utf8"));

/** A non-negative INTEGER from big-endian bytes (minimal, with a 0 byte when the top bit is set). */
function integer(bytes: Buffer): Buffer {
  let start = 0;
  while (start < bytes.length - 1 && bytes[start] === 0 && !(bytes[start + 1] & 0x80)) start++;
  const body = bytes.subarray(start);
  return tlv(0x02, body[0] & 0x80 ? Buffer.concat([Buffer.from([0]), body]) : body);
}

function objectId(dotted: string): Buffer {
  const [first, second, ...rest] = dotted.split(".").map(Number);
  const out = [40 * first + second];
  for (const arc of rest) {
    const base128 = [arc & 0x7f];
    for (let v = Math.floor(arc / 128); v > 0; v = Math.floor(v / 128)) base128.unshift((v & 0x7f) | 0x80);
    out.push(...base128);
  }
  return tlv(0x06, Buffer.from(out));
}

/** A BIT STRING of whole bytes, or of named bits (the unused trailing bits counted, as DER wants). */
function bitString(bytes: Buffer, namedBits = false): Buffer {
  let unused = 0;
  if (namedBits && bytes.length > 0) {
    const last = bytes[bytes.length - 1];
    while (unused < 7 && !(last & (1 << unused))) unused++;
  }
  return tlv(0x03, Buffer.concat([Buffer.from([unused]), bytes]));
}

/** UTCTime (YYMMDDHHMMSSZ): certificates valid before 2050 use it. */
function utcTime(date: Date): Buffer {
  const iso = date.toISOString();
  return tlv(0x17, Buffer.from(`${iso.slice(2, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}${iso.slice(11, 13)}${iso.slice(14, 16)}${iso.slice(17, 19)}Z`, "ascii"));
}

const commonName = (cn: string): Buffer => sequence(set(sequence(objectId("2.5.4.3"), utf8String(cn))));
const ECDSA_WITH_SHA256 = sequence(objectId("1.2.840.10045.4.3.2"));

function extension(oid: string, critical: boolean, value: Buffer): Buffer {
  return sequence(objectId(oid), ...(critical ? [boolean(true)] : []), octetString(value));
}

const spkiOf = (key: KeyObject): Buffer => key.export({ type: "spki", format: "der" });
/** Subject key identifier: SHA-1 of the public key (RFC 5280 4.2.1.2, method 1, close enough). */
const keyIdOf = (key: KeyObject): Buffer => createHash("sha1").update(spkiOf(key)).digest();

const KEY_USAGE = { digitalSignature: 0x80, keyCertSign: 0x04, cRLSign: 0x02 };

interface CertificateSpec {
  subject: string;
  issuer: string;
  publicKey: KeyObject;
  issuerPublicKey: KeyObject;
  signingKey: KeyObject;
  extensions: Buffer[];
}

function certificate(spec: CertificateSpec): string {
  const serial = randomBytes(16);
  serial[0] = (serial[0] & 0x7f) | 0x40;
  const now = Date.now();
  const tbs = sequence(
    explicit(0, integer(Buffer.from([2]))), // v3
    integer(serial),
    ECDSA_WITH_SHA256,
    commonName(spec.issuer),
    sequence(utcTime(new Date(now - 60_000)), utcTime(new Date(now + 24 * 3600_000))),
    commonName(spec.subject),
    spkiOf(spec.publicKey),
    explicit(
      3,
      sequence(
        extension("2.5.29.14", false, octetString(keyIdOf(spec.publicKey))),
        extension("2.5.29.35", false, sequence(tlv(0x80, keyIdOf(spec.issuerPublicKey)))),
        ...spec.extensions,
      ),
    ),
  );
  const signature = sign("sha256", tbs, spec.signingKey); // ECDSA, DER-encoded (r, s) as X.509 wants
  const der = sequence(tbs, ECDSA_WITH_SHA256, bitString(signature));
  const lines = der.toString("base64").match(/.{1,64}/g) ?? [];
  return `-----BEGIN CERTIFICATE-----\n${lines.join("\n")}\n-----END CERTIFICATE-----\n`;
}

/** A fresh CA and a server certificate for this machine's loopback names, valid for one day. */
export function makeTestPki(): TestPki {
  const ca = generateKeyPairSync("ec", { namedCurve: "P-256" });
  const server = generateKeyPairSync("ec", { namedCurve: "P-256" });
  const caCert = certificate({
    subject: "acs-call-automation test CA",
    issuer: "acs-call-automation test CA",
    publicKey: ca.publicKey,
    issuerPublicKey: ca.publicKey,
    signingKey: ca.privateKey,
    extensions: [
      extension("2.5.29.19", true, sequence(boolean(true), integer(Buffer.from([0])))), // CA, no intermediates
      extension("2.5.29.15", true, bitString(Buffer.from([KEY_USAGE.keyCertSign | KEY_USAGE.cRLSign]), true)),
    ],
  });
  const subjectAltNames = sequence(
    tlv(0x87, Buffer.from([127, 0, 0, 1])), // iPAddress 127.0.0.1
    tlv(0x87, Buffer.concat([Buffer.alloc(15), Buffer.from([1])])), // iPAddress ::1
    tlv(0x82, Buffer.from("localhost", "ascii")), // dNSName
  );
  const serverCert = certificate({
    subject: "127.0.0.1",
    issuer: "acs-call-automation test CA",
    publicKey: server.publicKey,
    issuerPublicKey: ca.publicKey,
    signingKey: ca.privateKey,
    extensions: [
      extension("2.5.29.19", true, sequence()), // not a CA
      extension("2.5.29.15", true, bitString(Buffer.from([KEY_USAGE.digitalSignature]), true)),
      extension("2.5.29.37", false, sequence(objectId("1.3.6.1.5.5.7.3.1"))), // serverAuth
      extension("2.5.29.17", false, subjectAltNames),
    ],
  });
  return { caCert, serverCert, serverKey: server.privateKey.export({ type: "pkcs8", format: "pem" }).toString() };
}

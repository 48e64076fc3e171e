/**
 * Self-signed TLS certificates made in-process for the https and wss fixtures, valid for exactly as
 * long as a test needs (one that expires in three days tests the expiry warning). Node can sign but
 * not build X.509, so this encodes the few DER structures a certificate needs; no openssl required.
 */
import { createPrivateKey, generateKeyPairSync, randomBytes, sign, X509Certificate } from 'node:crypto';

/** A PEM certificate and its private key, ready for `https.createServer`. */
export interface TestCertificate {
  cert: string;
  key: string;
  validTo: Date;
}

const DAY_MS = 86_400_000;
const OID = {
  commonName: '2.5.4.3',
  ecPublicKey: '1.2.840.10045.2.1',
  ecdsaWithSha256: '1.2.840.10045.4.3.2',
  subjectAltName: '2.5.29.17',
};

/** A certificate for `localhost` and 127.0.0.1, valid from yesterday for `validDays` days. */
export function selfSignedCertificate(validDays: number, commonName = 'lookout-test'): TestCertificate {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const notBefore = new Date(Date.now() - DAY_MS);
  const validTo = new Date(Date.now() + validDays * DAY_MS);
  validTo.setMilliseconds(0);
  const name = sequence(set(sequence(oid(OID.commonName), utf8(commonName))));
  const algorithm = sequence(oid(OID.ecdsaWithSha256));
  const altNames = sequence(tagged(0x82, Buffer.from('localhost')), tagged(0x87, Buffer.from([127, 0, 0, 1])));
  const tbs = sequence(
    tagged(0xa0, integer(Buffer.from([2]))),
    integer(randomBytes(8)),
    algorithm,
    name,
    sequence(utcTime(notBefore), utcTime(validTo)),
    name,
    publicKey.export({ type: 'spki', format: 'der' }),
    tagged(0xa3, sequence(sequence(oid(OID.subjectAltName), tagged(0x04, altNames)))),
  );
  const signature = sign('sha256', tbs, privateKey);
  const der = sequence(tbs, algorithm, tagged(0x03, Buffer.concat([Buffer.from([0]), signature])));
  const cert = `-----BEGIN CERTIFICATE-----\n${der.toString('base64').replace(/.{64}/g, '$&\n').trim()}\n-----END CERTIFICATE-----\n`;
  // Parse it back: a malformed encoding fails here, in the fixture, not as a puzzling TLS error.
  new X509Certificate(cert);
  const key = createPrivateKey(privateKey.export({ type: 'pkcs8', format: 'pem' })).export({ type: 'pkcs8', format: 'pem' }) as string;
  return { cert, key, validTo };
}

function tagged(tag: number, content: Buffer): Buffer {
  const length = content.length;
  const header = length < 0x80 ? Buffer.from([tag, length]) : length < 0x100 ? Buffer.from([tag, 0x81, length]) : Buffer.from([tag, 0x82, length >> 8, length & 0xff]);
  return Buffer.concat([header, content]);
}

function sequence(...items: Buffer[]): Buffer {
  return tagged(0x30, Buffer.concat(items));
}

function set(...items: Buffer[]): Buffer {
  return tagged(0x31, Buffer.concat(items));
}

function integer(bytes: Buffer): Buffer {
  // DER integers are signed: a leading 1 bit would make the serial negative.
  return tagged(0x02, bytes[0] & 0x80 ? Buffer.concat([Buffer.from([0]), bytes]) : bytes);
}

function utf8(text: string): Buffer {
  return tagged(0x0c, Buffer.from(text, 'utf8'));
}

function utcTime(date: Date): Buffer {
  const text = date.toISOString().replace(/[-:T]/g, '').slice(2, 14) + 'Z';
  return tagged(0x17, Buffer.from(text, 'ascii'));
}

function oid(dotted: string): Buffer {
  const [first, second, ...rest] = dotted.split('.').map(Number);
  const bytes = [first * 40 + second];
  for (const part of rest) {
    const chunk = [part & 0x7f];
    for (let value = part >> 7; value > 0; value >>= 7) chunk.unshift((value & 0x7f) | 0x80);
    bytes.push(...chunk);
  }
  return tagged(0x06, Buffer.from(bytes));
}

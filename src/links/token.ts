// Link tokens: `<id>.<mac>`, where id is 16 random bytes in base64url and mac is the first 32
// base64url characters of HMAC-SHA256(single_use_link_secret, id). Every node shares the
// secret, so any node can tell a token it could have issued from a forged or mangled one, in
// constant time and without asking etcd; only the id is a key in etcd.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

const ID_BYTES = 16;
const MAC_CHARS = 32;
/** 16 bytes are 22 base64url characters (unpadded). */
const TOKEN_SHAPE = /^([A-Za-z0-9_-]{22})\.([A-Za-z0-9_-]{32})$/;

function mac(secret: string, id: string): string {
  return createHmac('sha256', secret).update(id, 'utf8').digest('base64url').slice(0, MAC_CHARS);
}

/** A fresh link id and the token that carries it. */
export function newToken(secret: string): { id: string; token: string } {
  const id = randomBytes(ID_BYTES).toString('base64url');
  return { id, token: `${id}.${mac(secret, id)}` };
}

/** The id a token carries when its MAC is genuine, else null. */
export function verifyToken(secret: string, token: string): string | null {
  const m = TOKEN_SHAPE.exec(token);
  if (!m) return null;
  const [, id, given] = m as unknown as [string, string, string];
  // Both are 32 ASCII characters here, so the buffers have equal lengths.
  return timingSafeEqual(Buffer.from(mac(secret, id)), Buffer.from(given)) ? id : null;
}

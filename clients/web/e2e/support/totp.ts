// RFC 6238 one-time codes (HMAC-SHA1, 30-second periods, 6 digits), as an authenticator app makes them from the
// base32 secret the account page shows. The API refuses a code that was already used, so `freshCode` waits for the
// next period when this one's code has been spent.
import { createHmac } from 'node:crypto';

const PERIOD = 30;

function base32(secret: string): Buffer {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = '';
  for (const c of secret.replace(/[\s=-]/g, '').toUpperCase()) {
    const v = alphabet.indexOf(c);
    if (v < 0) throw new Error(`not base32: ${c}`);
    bits += v.toString(2).padStart(5, '0');
  }
  const bytes: number[] = [];
  for (let i = 0; i + 8 <= bits.length; i += 8) bytes.push(parseInt(bits.slice(i, i + 8), 2));
  return Buffer.from(bytes);
}

/** The code of `secret` for the period holding `time` (ms). */
export function totp(secret: string, time = Date.now()): string {
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(time / 1000 / PERIOD)));
  const mac = createHmac('sha1', base32(secret)).update(counter).digest();
  const offset = mac[mac.length - 1]! & 0x0f;
  const value = (mac.readUInt32BE(offset) & 0x7fffffff) % 1_000_000;
  return value.toString().padStart(6, '0');
}

const used = new Map<string, number>();

/**
 * A code of `secret` that this run has not used yet: the current period's, or — when it was used, or the period
 * ends within `margin` ms (the code could expire in flight) — the next period's, after waiting for it.
 */
export async function freshCode(secret: string, margin = 2_000): Promise<string> {
  for (;;) {
    const now = Date.now();
    const period = Math.floor(now / 1000 / PERIOD);
    const left = (period + 1) * PERIOD * 1000 - now;
    if (used.get(secret) !== period && left > margin) {
      used.set(secret, period);
      return totp(secret, now);
    }
    await new Promise((r) => setTimeout(r, left + 50));
  }
}

/** A 6-digit code that is not the current one (nor the neighbouring periods' the server may accept). */
export function wrongCode(secret: string): string {
  const near = new Set([-1, 0, 1].map((d) => totp(secret, Date.now() + d * PERIOD * 1000)));
  for (let n = 0; ; n++) {
    const code = String((123456 + n * 7919) % 1_000_000).padStart(6, '0');
    if (!near.has(code)) return code;
  }
}

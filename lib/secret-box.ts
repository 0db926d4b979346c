import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto';

/**
 * Addresses, robot URLs and secrets at rest: AES-256-GCM with the key from the config
 * (DELIVERY_ENCRYPTION_KEY, 32 bytes in base64). A sealed value is `v1.<iv>.<tag>.<ciphertext>`
 * (base64url), so a later key or algorithm can be told apart. `digest` is a keyed HMAC of a value,
 * to find duplicates without opening anything (a plain hash of a phone number is reversible by trying
 * every number).
 */
export interface SecretBox {
  seal(plain: string): string;
  open(sealed: string): string;
  digest(plain: string): string;
}

export function createSecretBox(keyBase64: string): SecretBox {
  const key = Buffer.from(keyBase64, 'base64');
  if (key.length !== 32) throw new Error('DELIVERY_ENCRYPTION_KEY must be 32 bytes in base64 (openssl rand -base64 32)');
  const digestKey = createHmac('sha256', key).update('rectify:digest').digest();
  return {
    seal(plain) {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
      return ['v1', iv.toString('base64url'), cipher.getAuthTag().toString('base64url'), body.toString('base64url')].join('.');
    },
    open(sealed) {
      const [version, iv, tag, body] = sealed.split('.');
      if (version !== 'v1' || !iv || !tag || body === undefined) throw new Error('not a sealed value');
      const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
      decipher.setAuthTag(Buffer.from(tag, 'base64url'));
      return Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString('utf8');
    },
    digest(plain) {
      return createHmac('sha256', digestKey).update(plain).digest('base64url');
    },
  };
}

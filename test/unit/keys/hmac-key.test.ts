import { createHmac, randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { hmacKey, prepareHmacKey } from '../../../functions/src/keys/hmac-key';

const reference = (key: Buffer, message: string) => createHmac('sha256', key).update(message, 'utf8').digest();

describe('prepared HMAC-SHA256', () => {
  it('equals createHmac for any key and message, short or past the reused buffer (property)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 0, maxLength: 200 }), fc.string({ unit: 'grapheme', maxLength: 400 }), (key, message) => {
        const k = Buffer.from(key);
        const h = prepareHmacKey(k);
        expect(h.digest(message).equals(reference(k, message))).toBe(true);
        expect(h.digest('').equals(reference(k, ''))).toBe(true); // the reused buffer keeps no earlier message
      }),
      { numRuns: 300 },
    );
  });

  it('matches the RFC 4231 test case 2', () => {
    const h = prepareHmacKey(Buffer.from('Jefe'));
    expect(h.digest('what do ya want for nothing?').toString('hex')).toBe('5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843');
  });

  it('prepares each key material once', () => {
    const material = randomBytes(32);
    expect(hmacKey(material)).toBe(hmacKey(material));
    expect(hmacKey(Buffer.from(material))).not.toBe(hmacKey(material));
  });
});

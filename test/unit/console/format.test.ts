import { auditData } from '../../../console/src/format/audit';
import { createKeyBody } from '../../../console/src/format/keys';
import { endOfDayIso, localDateTimeIso, signInErrorMessage, splitList, tomorrow } from '../../../console/src/format/words';

describe('console form input', () => {
  it('splits lists typed one per line, or with commas or spaces, dropping blanks and repeats', () => {
    expect(splitList('https://a.example\n\nhttps://b.example, https://a.example ')).toEqual(['https://a.example', 'https://b.example']);
    expect(splitList('read:keys write:keys,read:keys')).toEqual(['read:keys', 'write:keys']);
    expect(splitList('  \n ')).toEqual([]);
  });

  it('sends only the fields a person filled in, so the API defaults apply', () => {
    expect(createKeyBody({ name: ' backend ', type: 'server', expiresOn: '', allowedOrigins: '', allowedIps: ' ', scopes: '' })).toEqual({
      name: 'backend',
      type: 'server',
    });
    const body = createKeyBody({
      name: 'site',
      type: 'web',
      expiresOn: '2030-01-31',
      allowedOrigins: 'https://app.example.com\nhttps://admin.example.com',
      allowedIps: '10.0.0.0/8',
      scopes: 'read write',
    });
    expect(body).toEqual({
      name: 'site',
      type: 'web',
      expiresAt: new Date('2030-01-31T23:59:59').toISOString(),
      allowedOrigins: ['https://app.example.com', 'https://admin.example.com'],
      allowedIps: ['10.0.0.0/8'],
      scopes: ['read', 'write'],
    });
  });

  it('reads an expiry date as the end of that day, and refuses what is not a date', () => {
    expect(endOfDayIso('2030-06-15', (d) => new Date(`${d}T23:59:59Z`))).toBe('2030-06-15T23:59:59.000Z');
    expect(endOfDayIso('15/06/2030')).toBeUndefined();
    expect(endOfDayIso('2030-02-45')).toBeUndefined();
  });

  it('turns local date-times into ISO 8601, and empty ones into nothing', () => {
    expect(localDateTimeIso('')).toBeUndefined();
    expect(localDateTimeIso('not a date')).toBeUndefined();
    expect(localDateTimeIso('2030-06-15T10:30')).toBe(new Date('2030-06-15T10:30').toISOString());
  });

  it('offers tomorrow as the earliest expiry, across month ends', () => {
    expect(tomorrow(new Date(2030, 0, 31, 12))).toBe('2030-02-01');
    expect(tomorrow(new Date(2030, 11, 31, 23, 59))).toBe('2031-01-01');
  });

  it('builds the queryAuditLog data from the filters that are set, as they are', () => {
    expect(auditData({})).toEqual({});
    expect(auditData({ uid: 'u 1', event: '', keyId: undefined, pageSize: 25, pageToken: 'a+b/c=' })).toEqual({ uid: 'u 1', pageSize: 25, pageToken: 'a+b/c=' });
  });

  it('puts sign-in failures into words without saying which half was wrong', () => {
    expect(signInErrorMessage('auth/invalid-credential')).toBe('The email or password is wrong.');
    expect(signInErrorMessage('auth/user-not-found')).toBe(signInErrorMessage('auth/wrong-password'));
    expect(signInErrorMessage('auth/email-already-in-use')).toMatch(/already exists/);
    expect(signInErrorMessage(undefined)).toBe('Sign-in failed: try again.');
  });
});

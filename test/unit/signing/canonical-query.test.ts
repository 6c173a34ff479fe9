import { canonicalQuery, encodeRfc3986 } from '../../../functions/src/signing/canonical-query';

describe('canonical query', () => {
  it('is empty without a query', () => {
    expect(canonicalQuery('')).toBe('');
  });

  it('sorts by encoded name, then by encoded value', () => {
    expect(canonicalQuery('b=2&a=1&c=3')).toBe('a=1&b=2&c=3');
    expect(canonicalQuery('a=z&a=b&a=m')).toBe('a=b&a=m&a=z');
    // Sorted as encoded: "%20" (a space) sorts before letters, upper case before lower case.
    expect(canonicalQuery('b=1&B=2&a%20b=3')).toBe('B=2&a%20b=3&b=1');
  });

  it('keeps repeated names, each pair once per occurrence', () => {
    expect(canonicalQuery('tag=x&tag=x&tag=a')).toBe('tag=a&tag=x&tag=x');
  });

  it('reads + as a space and encodes it as %20', () => {
    expect(canonicalQuery('q=a+b')).toBe('q=a%20b');
    expect(canonicalQuery('q=a%20b')).toBe('q=a%20b');
    expect(canonicalQuery('q=a%2Bb')).toBe('q=a%2Bb');
  });

  it('keeps empty values and names without =', () => {
    expect(canonicalQuery('a=&b')).toBe('a=&b=');
    expect(canonicalQuery('=x')).toBe('=x');
    expect(canonicalQuery('a=1&&b=2&')).toBe('a=1&b=2');
  });

  it("percent-encodes !'()* as RFC 3986 requires, and leaves unreserved characters alone", () => {
    expect(canonicalQuery("x=!'()*")).toBe('x=%21%27%28%29%2A');
    expect(canonicalQuery('x=%21%27%28%29%2a')).toBe('x=%21%27%28%29%2A');
    expect(canonicalQuery('x=AZaz09-_.~')).toBe('x=AZaz09-_.~');
    expect(encodeRfc3986("!'()*")).toBe('%21%27%28%29%2A');
  });

  it('gives the same result whatever encoding the sender chose', () => {
    const spellings = ['name=J%C3%BCrgen&city=K%C3%B6ln', 'city=Köln&name=Jürgen', 'city=K%c3%b6ln&name=J%c3%bcrgen'];
    const canonical = spellings.map(canonicalQuery);
    expect(new Set(canonical).size).toBe(1);
    expect(canonical[0]).toBe('city=K%C3%B6ln&name=J%C3%BCrgen');
  });

  it('encodes unicode as UTF-8, including characters outside the BMP', () => {
    expect(canonicalQuery('e=%F0%9F%94%91')).toBe('e=%F0%9F%94%91');
    expect(canonicalQuery(`e=${encodeURIComponent('日本')}`)).toBe('e=%E6%97%A5%E6%9C%AC');
  });

  it('encodes reserved characters that arrive decoded or encoded the same way', () => {
    expect(canonicalQuery('a=%26%3D%3F%2F')).toBe('a=%26%3D%3F%2F');
    expect(canonicalQuery('a=b/c?d')).toBe('a=b%2Fc%3Fd');
  });

  it('survives malformed percent sequences and lone surrogates without throwing', () => {
    expect(canonicalQuery('a=%zz&b=%')).toBe('a=%25zz&b=%25');
    expect(canonicalQuery('a=%ED%A0%80')).toBe('a=' + '%EF%BF%BD'.repeat(3)); // invalid UTF-8: one U+FFFD per byte
    expect(encodeRfc3986('\uD800x')).toBe('%EF%BF%BDx');
  });
});

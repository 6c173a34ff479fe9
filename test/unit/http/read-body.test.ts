// Reading a body: kept up to the limit, read on and thrown away past it, and no further than the drain limit.
import { PassThrough } from 'node:stream';
import { readBody } from '../../../functions/src/http/read-body';

function streamOf(sizes: number[]): PassThrough {
  const stream = new PassThrough();
  for (const size of sizes) stream.write(Buffer.alloc(size, 'x'));
  stream.end();
  return stream;
}

describe('readBody', () => {
  it('keeps a body within the limit', async () => {
    const read = await readBody(streamOf([3, 4]), 10, 100);
    expect([read.bytes?.toString(), read.size, read.complete]).toEqual(['xxxxxxx', 7, true]);
  });

  it('reads a body over the limit to its end, keeping none of it', async () => {
    const read = await readBody(streamOf([6, 6, 6]), 10, 100);
    expect([read.bytes, read.size, read.complete]).toEqual([undefined, 18, true]);
  });

  it('stops past the drain limit and leaves the rest unread (the connection is to close)', async () => {
    const stream = streamOf([40, 40, 40, 40]);
    const read = await readBody(stream, 10, 50);
    expect([read.bytes, read.size, read.complete]).toEqual([undefined, 80, false]);
    expect([stream.isPaused(), stream.listenerCount('data')]).toEqual([true, 0]);
  });

  it('fails when the sender goes away before the body ends', async () => {
    const stream = new PassThrough();
    stream.write('partial');
    const reading = readBody(stream, 10, 100);
    stream.destroy();
    await expect(reading).rejects.toThrow('The connection closed before the request body ended.');
  });
});

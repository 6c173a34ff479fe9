// A webhook receiver on this machine for the notification tests: it records every delivery's
// headers and raw body and answers what the test scripts (a status per attempt, or a redirect).
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';

export interface Received {
  headers: Record<string, string>;
  body: string;
  json: any;
  at: number;
}

export interface Receiver {
  url: string;
  deliveries: Received[];
  /** The statuses to answer, in order; the last one from then on. */
  answers: number[];
  /** Where a 3xx answer points. */
  location?: string;
  close(): Promise<void>;
}

export async function startReceiver(answers: number[] = [200]): Promise<Receiver> {
  const receiver: Receiver = { url: '', deliveries: [], answers, close: async () => undefined };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, String(v)]));
      receiver.deliveries.push({ headers, body, json: JSON.parse(body), at: Date.now() });
      const status = receiver.answers[Math.min(receiver.deliveries.length - 1, receiver.answers.length - 1)]!;
      res.writeHead(status, status >= 300 && status < 400 && receiver.location ? { location: receiver.location } : {}).end('receiver answer body: never recorded');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  receiver.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks/keyward`;
  receiver.close = () => new Promise<void>((r) => server.close(() => r()));
  return receiver;
}

/** What a receiver does: verifies a delivery with the `standardwebhooks` library; the payload, or throws. */
export function verified(secret: string, d: Pick<Received, 'headers' | 'body'>): any {
  return new Webhook(secret).verify(d.body, { 'webhook-id': d.headers['webhook-id']!, 'webhook-timestamp': d.headers['webhook-timestamp']!, 'webhook-signature': d.headers['webhook-signature']! });
}

/**
 * Insecure channel credentials for the local gRPC emulators. They must come from the grpc-js
 * instance google-gax uses, so they are taken from google-gax itself.
 */
import type { ChannelCredentials } from '@grpc/grpc-js';

export function grpcInsecure(): ChannelCredentials {
  const gax = require('google-gax') as { grpc: { credentials: { createInsecure(): ChannelCredentials } } };
  return gax.grpc.credentials.createInsecure();
}

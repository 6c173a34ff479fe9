/**
 * Shared plumbing for the local gRPC emulators (Secret Manager, Cloud Logging): loading the service
 * protos that the official client packages ship, binding a grpc-js server, counting calls and
 * answering UNIMPLEMENTED for every method an emulator does not implement.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';

/**
 * The options google-gax itself uses (GrpcClient.defaultOptions): camelCase field names, int64 as
 * decimal strings, enums by name, proto3 defaults filled in, and a virtual `kind`/`payload`-style
 * property naming the member set in each oneof. Using the same options on the server means the
 * handlers see requests exactly as the clients' protobufjs objects describe them. Members of a
 * oneof (including proto3 `optional` fields) get no default, so "absent" stays detectable.
 */
export const LOADER_OPTIONS: protoLoader.Options = {
  keepCase: false,
  longs: String,
  enums: String,
  defaults: true,
  oneofs: true,
};

/** Root directory of an installed package (its exports map may hide package.json). */
export function packageRoot(name: string, from: string = __dirname): string {
  let dir = dirname(require.resolve(name, { paths: [from] }));
  for (;;) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest) && (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === name) return dir;
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`cannot find the root of package ${name}`);
    dir = parent;
  }
}

/** Loads `file` from `protoDir`, resolving google/api, google/protobuf, … from google-gax's copies. */
export function loadProtos(protoDir: string, file: string, gaxFrom?: string): protoLoader.PackageDefinition {
  const gaxProtos = join(packageRoot('google-gax', gaxFrom ?? protoDir), 'build', 'protos');
  return protoLoader.loadSync(file, { ...LOADER_OPTIONS, includeDirs: [protoDir, gaxProtos] });
}

export function serviceDefinition(def: protoLoader.PackageDefinition, fullName: string): grpc.ServiceDefinition {
  const service = def[fullName];
  if (!service || !isServiceDefinition(service)) throw new Error(`${fullName} is not a service in the loaded protos`);
  return service as grpc.ServiceDefinition;
}

function isServiceDefinition(x: protoLoader.AnyDefinition): x is protoLoader.ServiceDefinition {
  return !('format' in x);
}

/** An error with a gRPC status code: thrown by handlers, sent to the client as that status. */
export class RpcError extends Error {
  constructor(
    readonly code: grpc.status,
    message: string,
  ) {
    super(message);
  }
}

export const invalid = (message: string) => new RpcError(grpc.status.INVALID_ARGUMENT, message);
export const notFound = (message: string) => new RpcError(grpc.status.NOT_FOUND, message);

function toServiceError(err: unknown): Partial<grpc.StatusObject> {
  if (err instanceof RpcError) return { code: err.code, details: err.message };
  return { code: grpc.status.INTERNAL, details: `emulator bug: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}` };
}

/**
 * A unary handler: takes the decoded request (its parameter type states the shape proto-loader
 * produces for that method), returns the response object or throws an RpcError.
 */
export type UnaryImpl = (request: never) => unknown;

/**
 * grpc-js handlers for every method of `service`: the implemented unary ones run `impls[name]`,
 * every other method (whatever its streaming kind) answers UNIMPLEMENTED naming itself. Every call
 * is counted in `calls`, keyed by the method name as in the proto (e.g. "AccessSecretVersion").
 */
export function implementService(
  service: grpc.ServiceDefinition,
  impls: Record<string, UnaryImpl>,
  calls: Record<string, number>,
  emulatorName: string,
): grpc.UntypedServiceImplementation {
  const out: grpc.UntypedServiceImplementation = {};
  for (const [name, method] of Object.entries(service)) {
    const count = () => {
      calls[name] = (calls[name] ?? 0) + 1;
    };
    const impl: UnaryImpl | undefined = impls[name];
    if (impl && !method.requestStream && !method.responseStream) {
      out[name] = ((call: grpc.ServerUnaryCall<unknown, unknown>, callback: grpc.sendUnaryData<unknown>) => {
        count();
        try {
          callback(null, impl(call.request as never));
        } catch (err) {
          callback(toServiceError(err));
        }
      }) as grpc.handleUnaryCall<unknown, unknown>;
      continue;
    }
    if (impl !== undefined) throw new Error(`${name} is a streaming method; only unary methods can be implemented here`);
    const error: Partial<grpc.StatusObject> = {
      code: grpc.status.UNIMPLEMENTED,
      details: `${method.path} is not implemented by the local ${emulatorName} emulator`,
    };
    if (!method.requestStream && !method.responseStream) {
      out[name] = ((_call: grpc.ServerUnaryCall<unknown, unknown>, callback: grpc.sendUnaryData<unknown>) => {
        count();
        callback(error);
      }) as grpc.handleUnaryCall<unknown, unknown>;
    } else if (method.requestStream && !method.responseStream) {
      out[name] = ((_call: grpc.ServerReadableStream<unknown, unknown>, callback: grpc.sendUnaryData<unknown>) => {
        count();
        callback(error);
      }) as grpc.handleClientStreamingCall<unknown, unknown>;
    } else {
      // Server-streaming and bidi calls end with a status when 'error' is emitted on them.
      out[name] = ((call: grpc.ServerWritableStream<unknown, unknown> | grpc.ServerDuplexStream<unknown, unknown>) => {
        count();
        call.emit('error', error);
      }) as grpc.handleServerStreamingCall<unknown, unknown>;
    }
  }
  return out;
}

export interface GrpcHandle {
  port: number;
  stop(): Promise<void>;
}

/** Thrown by startGrpcServer when the port is taken; `code` mirrors Node's listen error. */
export class PortInUseError extends Error {
  readonly code = 'EADDRINUSE';
  constructor(readonly port: number) {
    super(`port ${port} is already in use`);
  }
}

/**
 * Fails with PortInUseError when host:port is taken. grpc-js would report it too, but only after
 * logging its own "No address added" line to stderr; this check keeps the failure to one message.
 */
function assertPortFree(host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', (err: NodeJS.ErrnoException) => reject(err.code === 'EADDRINUSE' ? new PortInUseError(port) : err));
    probe.listen({ host, port, exclusive: true }, () => probe.close(() => resolve()));
  });
}

/** Binds a plaintext grpc-js server on host:port (port 0 picks a free one) with the given services. */
export async function startGrpcServer(
  host: string,
  port: number,
  services: Array<[grpc.ServiceDefinition, grpc.UntypedServiceImplementation]>,
): Promise<GrpcHandle> {
  if (port !== 0) await assertPortFree(host, port);
  const server = new grpc.Server();
  for (const [definition, implementation] of services) server.addService(definition, implementation);
  const address = host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
  const bound = await new Promise<number>((resolve, reject) =>
    server.bindAsync(address, grpc.ServerCredentials.createInsecure(), (err, p) => {
      if (!err) return resolve(p);
      // grpc-js folds the listen error into its message ("… errors: [listen EADDRINUSE …]").
      reject(/EADDRINUSE/.test(err.message) ? new PortInUseError(port) : err);
    }),
  );
  let stopped: Promise<void> | undefined;
  return {
    port: bound,
    stop() {
      stopped ??= new Promise<void>((resolve) => {
        const finish = () => {
          clearTimeout(timer);
          resolve();
        };
        // Give in-flight calls a moment, then cut whatever is left.
        const timer = setTimeout(() => {
          server.forceShutdown();
          finish();
        }, 1000);
        server.tryShutdown(finish);
      });
      return stopped;
    },
  };
}

import net from 'node:net';
import { deserialize, serialize, type Document } from 'bson';
import { MongoClient, type MongoClientOptions, type ObjectId } from 'mongodb';
import { startEmbeddedMongo, type EmbeddedMongo } from '../../src/server.js';

/** One in-memory server per test file, and a driver client on it with default options. */
export async function startServerWithClient(options: MongoClientOptions = {}): Promise<{
  server: EmbeddedMongo;
  client: MongoClient;
  close: () => Promise<void>;
}> {
  const server = await startEmbeddedMongo();
  const client = new MongoClient(server.uri, { serverSelectionTimeoutMS: 5000, ...options });
  await client.connect();
  return {
    server,
    client,
    close: async () => {
      await client.close();
      await server.stop();
    },
  };
}

/** A raw TCP client speaking OP_MSG, for malformed-input and protocol-level tests. */
export class RawClient {
  private buffered = Buffer.alloc(0);
  private waiters: (() => void)[] = [];
  private requestId = 1;
  closed = false;

  private constructor(readonly socket: net.Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.buffered = Buffer.concat([this.buffered, chunk]);
      this.wake();
    });
    socket.on('close', () => {
      this.closed = true;
      this.wake();
    });
    socket.on('error', () => undefined);
  }

  static async connect(port: number): Promise<RawClient> {
    const socket = net.connect(port, '127.0.0.1');
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    return new RawClient(socket);
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }

  send(bytes: Buffer): void {
    this.socket.write(bytes);
  }

  /** Builds an OP_MSG with one body section (and optional flag bits). */
  opMsg(command: Document, flags = 0): Buffer {
    const body = Buffer.from(serialize(command));
    const length = 21 + body.length;
    const out = Buffer.alloc(length);
    out.writeInt32LE(length, 0);
    out.writeInt32LE(this.requestId++, 4);
    out.writeInt32LE(0, 8);
    out.writeInt32LE(2013, 12);
    out.writeUInt32LE(flags, 16);
    out[20] = 0;
    body.copy(out, 21);
    return out;
  }

  async command(command: Document, flags = 0): Promise<Document> {
    this.send(this.opMsg(command, flags));
    return this.readReply();
  }

  /** Reads one OP_MSG reply body; rejects if the server closes the connection. */
  async readReply(): Promise<Document> {
    for (;;) {
      if (this.buffered.length >= 4) {
        const length = this.buffered.readInt32LE(0);
        if (this.buffered.length >= length) {
          const message = this.buffered.subarray(0, length);
          this.buffered = this.buffered.subarray(length);
          return deserialize(message.subarray(21));
        }
      }
      if (this.closed) throw new Error('connection closed by server');
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
  }

  /** Resolves once the server has closed the connection. */
  async waitClosed(): Promise<void> {
    while (!this.closed) await new Promise<void>((resolve) => this.waiters.push(resolve));
  }

  close(): void {
    this.socket.destroy();
  }
}

/** Test documents with any kind of _id (the driver's default schema assumes ObjectId). */
export interface Doc extends Document {
  _id?: number | string | ObjectId;
}

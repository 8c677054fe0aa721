import type { Socket } from 'node:net';
import type { Document } from 'bson';
import { errorReply, runCommand } from '../commands/dispatch.js';
import type { ConnectionInfo, ServerContext } from '../commands/context.js';
import { ErrorCode, MongoCommandError } from '../errors.js';
import { OpCode, readHeader } from './header.js';
import { MessageFramer } from './message-framer.js';
import { encodeOpMsg, MsgFlag, parseOpMsg } from './op-msg.js';
import { encodeOpReply, parseOpQuery, ReplyFlag } from './op-query.js';
import { ProtocolError } from './protocol-error.js';

let nextRequestId = 1;

function isAwaitableHello(command: Document): boolean {
  const name = Object.keys(command)[0];
  return (
    (name === 'hello' || name === 'isMaster' || name === 'ismaster') &&
    command.topologyVersion !== undefined &&
    command.maxAwaitTimeMS !== undefined
  );
}

/** Commands the server still accepts over legacy OP_QUERY (MongoDB 7.0 keeps only the handshake). */
const OP_QUERY_COMMANDS = new Set(['hello', 'isMaster', 'ismaster']);

/** Requests read from one connection and not yet handled before it stops reading. */
const MAX_QUEUED_MESSAGES = 16;

/**
 * One client connection: frames messages, runs them strictly in order (a client may
 * pipeline `moreToCome` writes) and writes each reply with a single socket.write.
 * Any protocol violation closes this connection only.
 */
export class Connection {
  private readonly framer = new MessageFramer();
  private readonly queue: Buffer[] = [];
  private processing = false;
  private serverStopping = false;
  private readonly closing = new AbortController();
  readonly info: ConnectionInfo;

  constructor(
    private readonly socket: Socket,
    private readonly server: ServerContext,
    id: number,
  ) {
    this.info = {
      id,
      remoteAddress: `${socket.remoteAddress ?? 'unknown'}:${socket.remotePort ?? 0}`,
      localAddress: socket.localAddress ?? '127.0.0.1',
      localPort: socket.localPort ?? 0,
      closing: this.closing.signal,
      clientMetadata: undefined,
    };
    void server.stopping.then(() => {
      this.serverStopping = true;
      this.closing.abort();
    });
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (error) =>
      server.log.debug({ err: error, connectionId: id }, 'connection error'),
    );
    socket.on('close', () => this.closing.abort());
  }

  private onData(chunk: Buffer): void {
    this.server.network.bytesIn += chunk.length;
    let messages: Buffer[];
    try {
      messages = this.framer.push(chunk);
    } catch (error) {
      this.fail(error);
      return;
    }
    if (messages.length === 0) return;
    this.server.network.numRequests += messages.length;
    for (const message of messages) this.queue.push(message);
    // Requests are handled one at a time; past this many waiting, stop reading so the kernel's
    // buffers (and TCP flow control) hold the rest instead of this process.
    if (this.queue.length >= MAX_QUEUED_MESSAGES) this.socket.pause();
    if (!this.processing) void this.drain();
  }

  private async drain(): Promise<void> {
    this.processing = true;
    try {
      while (this.queue.length > 0 && !this.socket.destroyed) {
        const message = this.queue.shift()!;
        if (this.socket.isPaused() && this.queue.length < MAX_QUEUED_MESSAGES / 2) {
          this.socket.resume();
        }
        await this.handle(message);
        // A client that does not read its replies: the next request waits until this reply has
        // left, as MongoDB's blocking send makes it wait, so replies never pile up in memory.
        if (this.socket.writableNeedDrain) await this.sent();
      }
    } catch (error) {
      this.fail(error);
    } finally {
      this.processing = false;
    }
  }

  private async handle(message: Buffer): Promise<void> {
    const header = readHeader(message);
    switch (header.opCode) {
      case OpCode.MSG: {
        const request = parseOpMsg(message, header.requestId);
        if (request.flags & MsgFlag.exhaustAllowed && isAwaitableHello(request.command)) {
          await this.streamHello(request.command, header.requestId);
          return;
        }
        const reply = await runCommand(this.server, this.info, request.command);
        if (request.flags & MsgFlag.moreToCome) return; // unacknowledged: the client expects no reply
        this.write(encodeOpMsg(reply, nextRequestId++, header.requestId));
        return;
      }
      case OpCode.QUERY: {
        const request = parseOpQuery(message, header.requestId);
        const reply = await this.runLegacy(request.fullCollectionName, request.query);
        const failed = reply.ok === 0 && '$err' in reply;
        this.write(
          encodeOpReply(
            reply,
            header.requestId,
            nextRequestId++,
            failed ? ReplyFlag.queryFailure : ReplyFlag.awaitCapable,
          ),
        );
        return;
      }
      case OpCode.COMPRESSED:
        throw new ProtocolError('OP_COMPRESSED received but no compressor was negotiated');
      default:
        throw new ProtocolError(`unsupported opCode ${header.opCode}`);
    }
  }

  private async runLegacy(fullCollectionName: string, query: Document): Promise<Document> {
    const dot = fullCollectionName.indexOf('.');
    const db = dot > 0 ? fullCollectionName.slice(0, dot) : fullCollectionName;
    if (fullCollectionName.slice(dot + 1) !== '$cmd') {
      return {
        $err: 'OP_QUERY is no longer supported',
        code: ErrorCode.UnsupportedOpQueryCommand,
        ok: 0,
      };
    }
    const command: Document =
      '$query' in query && typeof query.$query === 'object' ? (query.$query as Document) : query;
    const name = Object.keys(command)[0] ?? '';
    if (!OP_QUERY_COMMANDS.has(name)) {
      const error = new MongoCommandError(
        ErrorCode.UnsupportedOpQueryCommand,
        `Unsupported OP_QUERY command: ${name}. The client driver may require an upgrade.`,
      );
      return errorReply(this.server, error);
    }
    return runCommand(this.server, this.info, { ...command, $db: db });
  }

  /**
   * The streaming monitor protocol (MongoDB 4.4+): an awaitable hello sent with exhaustAllowed
   * is answered with `moreToCome` set, and the server keeps answering it — each reply after
   * `maxAwaitTimeMS`, replying to the previous reply — until the connection closes. Drivers
   * treat a reply without `moreToCome` on such a stream as a broken connection.
   *
   * The first reply answers the command as sent (at once when its topologyVersion is stale,
   * e.g. from before a restart); every later round asks with the topologyVersion of the
   * previous reply, as MongoDB does, so it waits maxAwaitTimeMS. Never a tight loop: a stale
   * processId re-sent as is would answer at once forever, starving every other client of the
   * event loop.
   */
  private async streamHello(command: Document, requestId: number): Promise<void> {
    let responseTo = requestId;
    let round = command;
    while (!this.socket.destroyed && !this.serverStopping) {
      const reply = await runCommand(this.server, this.info, round);
      if (this.socket.destroyed) return;
      const id = nextRequestId++;
      this.write(encodeOpMsg(reply, id, responseTo, reply.ok === 1 ? MsgFlag.moreToCome : 0));
      if (reply.ok !== 1) return;
      responseTo = id;
      round = { ...command, topologyVersion: reply.topologyVersion as unknown };
      // Let other connections' I/O run between rounds whatever the wait turned out to be.
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
  }

  /** Resolves once the socket's buffered replies have been handed to the kernel, or it closed. */
  private sent(): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        this.socket.off('drain', done);
        this.socket.off('close', done);
        resolve();
      };
      this.socket.on('drain', done);
      this.socket.on('close', done);
    });
  }

  private write(buffer: Buffer): void {
    if (this.socket.destroyed) return;
    this.server.network.bytesOut += buffer.length;
    this.socket.write(buffer);
  }

  private fail(error: unknown): void {
    this.server.log.warn(
      { err: error instanceof Error ? error.message : String(error), connectionId: this.info.id },
      'closing connection after a protocol error',
    );
    this.queue.length = 0;
    this.socket.destroy();
  }

  destroy(): void {
    this.socket.destroy();
  }
}

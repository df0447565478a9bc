import net from "node:net";

/**
 * A TCP proxy in front of a server, for tests of what a client does when the network goes
 * quiet: `silence()` keeps every connection open but drops whatever either side sends from
 * then on, as a firewall that drops packets (or a peer gone without a word) would. Neither side
 * is told; only a client that expects an answer can notice.
 */
export class SilenceableProxy {
  readonly #server: net.Server;
  readonly #sockets = new Set<net.Socket>();
  #silent = false;

  private constructor(server: net.Server) {
    this.#server = server;
  }

  /** Starts a proxy on a free loopback port, forwarding to `target` (host and port). */
  static async start(target: { host: string; port: number }): Promise<SilenceableProxy> {
    const server = net.createServer();
    const proxy = new SilenceableProxy(server);
    server.on("connection", (downstream) => proxy.#forward(downstream, target));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    return proxy;
  }

  get port(): number {
    return (this.#server.address() as net.AddressInfo).port;
  }

  /** `url` with its host and port replaced by the proxy's. */
  urlFor(url: string): string {
    const proxied = new URL(url);
    proxied.hostname = "127.0.0.1";
    proxied.port = String(this.port);
    return proxied.toString();
  }

  /** From now on nothing passes, in either direction, on any connection, old or new. */
  silence(): void {
    this.#silent = true;
  }

  async stop(): Promise<void> {
    for (const socket of this.#sockets) socket.destroy();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  #forward(downstream: net.Socket, target: { host: string; port: number }) {
    const upstream = net.connect(target.port, target.host);
    for (const [from, to] of [
      [downstream, upstream],
      [upstream, downstream],
    ] as const) {
      this.#sockets.add(from);
      from.on("data", (chunk) => {
        if (!this.#silent) to.write(chunk);
      });
      from.on("error", () => to.destroy());
      from.on("close", () => {
        this.#sockets.delete(from);
        // A connection closed before the silence is passed on; after it, nothing is.
        if (!this.#silent) to.destroy();
      });
    }
  }
}

/**
 * Live updates from Node, across server restarts: subscribe to the caller's
 * example events and print one JSON line per thing that happens.
 *
 *   NODE_OPTIONS=--experimental-websocket npx tsx frontend/watch.ts http://localhost:8000 <username> <password>
 *
 * Lines: `{"event": {kind, id, title}}` per event; `{"reconnected": {closeCode,
 * sockets, resumed}}` when the socket is back after a retried close (a deploy's
 * 1012), where a page would refetch what it shows unless `resumed`; `{"error": code, "sockets": n}`
 * when the subscription ends (a close that is not retried, e.g. 4403), then
 * the process exits 1. `sockets` counts the WebSockets opened so far. The
 * production tests drive it through a SIGTERM'd node
 * (tests/production/test_client_reconnect.py).
 */
import { BackendClient } from './client';

let sockets = 0;
const NativeWebSocket = globalThis.WebSocket;
// Counts the sockets graphql-ws opens: a close that is not retried opens none.
globalThis.WebSocket = class CountingWebSocket extends NativeWebSocket {
  constructor(url: string | URL, protocols?: string | string[]) {
    super(url, protocols);
    sockets += 1;
  }
};

function print(line: object): void {
  process.stdout.write(`${JSON.stringify(line)}\n`);
}

async function main(): Promise<void> {
  const [baseUrl, username, password] = process.argv.slice(2);
  if (!baseUrl || !username || !password) throw new Error('usage: watch.ts <base url> <username> <password>');
  const client = new BackendClient(baseUrl);
  await client.login({ username, password });
  client.onReconnected(({ closeCode, resumed }) =>
    print({ reconnected: { closeCode: closeCode ?? null, sockets, resumed } }),
  );
  client.subscribeExampleEvents(
    (event) => print({ event: { kind: event.kind, id: event.id, title: event.example?.title ?? null } }),
    {},
    (error) => {
      const code = typeof error === 'object' && error !== null && 'code' in error ? error.code : String(error);
      print({ error: code, sockets });
      process.exit(1);
    },
  );
}

main().catch((error: unknown) => {
  print({ error: String(error), sockets });
  process.exit(1);
});

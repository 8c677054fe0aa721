import type { AppRouter } from '@invoice/api';
import {
  createTRPCClient,
  httpBatchLink,
  type HTTPBatchLinkOptions,
  type TRPCClient,
} from '@trpc/client';
import superjson from 'superjson';

export type { RouterInputs, RouterOutputs, AppRouter } from '@invoice/api';

export interface InvoiceClientOptions {
  /** Base URL of the tRPC mount, e.g. `http://localhost:3000/trpc`. */
  url: string;
  /** Returns a Firebase ID token, or null when signed out. Called per request so tokens refresh. */
  getToken?: () => Promise<string | null> | string | null;
  /** Custom fetch (tests, proxies); tRPC's structural fetch type, which the global fetch satisfies. */
  fetch?: BatchLinkFetch;
  /** Calls per batched HTTP request; must not exceed the server's maxBatchSize. */
  maxItems?: number;
}

type BatchLinkFetch = NonNullable<
  HTTPBatchLinkOptions<AppRouter['_def']['_config']['$types']>['fetch']
>;

export type InvoiceClient = TRPCClient<AppRouter>;

export function createInvoiceClient(options: InvoiceClientOptions): InvoiceClient {
  return createTRPCClient<AppRouter>({
    links: [
      httpBatchLink({
        url: options.url,
        transformer: superjson,
        maxItems: options.maxItems ?? 20,
        ...(options.fetch ? { fetch: options.fetch } : {}),
        async headers(): Promise<Record<string, string>> {
          const token = options.getToken ? await options.getToken() : null;
          return token ? { authorization: `Bearer ${token}` } : {};
        },
      }),
    ],
  });
}

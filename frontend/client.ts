/**
 * A small typed client for the backend, written the way the web frontend
 * talks to it: log in over REST, then send GraphQL with the token or with the
 * session cookie and X-CSRFToken.
 *
 * Every type here comes from the committed contracts through `npm run codegen`:
 * REST bodies from openapi.yaml (generated/rest.ts), GraphQL results and
 * variables from schema.graphql and operations/*.graphql (generated/graphql.ts).
 * A contract change that breaks this file fails `npm run typecheck`.
 */
import { createClient as createSocketClient, type Client as SocketClient, type SubscribePayload } from 'graphql-ws';
import createRestClient, { type Client } from 'openapi-fetch';

import {
  AcceptInvitationDocument,
  AddProjectMemberDocument,
  CancelInvitationDocument,
  CreateExampleDocument,
  CreateProjectDocument,
  DeleteExampleDocument,
  DeleteProjectDocument,
  DeclineInvitationDocument,
  ExampleEventsDocument,
  ExamplesDocument,
  ExamplesPageDocument,
  InvitationsDocument,
  MeDocument,
  ProjectDocument,
  ProjectsDocument,
  RemoveProjectMemberDocument,
  UpdateExampleDocument,
  UpdateProfileDocument,
  UpdateProjectDocument,
  UpdateProjectMemberDocument,
  type ExampleEventsSubscription,
  type ExampleEventsSubscriptionVariables,
  type ExampleFieldsFragment,
  type ExampleInput,
  type ExamplePartialInput,
  type ExamplesPageQuery,
  type ExamplesPageQueryVariables,
  type ExamplesQuery,
  type ExamplesQueryVariables,
  type InvitationFieldsFragment,
  type InvitationsQuery,
  type InvitationsQueryVariables,
  type InviteFieldsFragment,
  type MeQuery,
  type OperationMessagesFragment,
  type ProfileInput,
  type ProjectFieldsFragment,
  type ProjectInput,
  type ProjectMemberFieldsFragment,
  type ProjectMemberInput,
  type ProjectPartialInput,
  type ProjectQuery,
  type ProjectQueryVariables,
  type ProjectsQuery,
  type ProjectsQueryVariables,
  type TypedDocumentString,
  type UpdateProfileMutation,
} from './generated/graphql';
import type { components, paths } from './generated/rest';

type Schemas = components['schemas'];
export type LoginRequest = Schemas['LoginRequest'];
export type LoginResponse = Schemas['LoginResponse'];
export type RestExample = Schemas['ExampleModel'];
export type RestExamplePage = Schemas['PaginatedExampleModelList'];
export type RestExampleQuery = NonNullable<paths['/api/v1/examples/']['get']['parameters']['query']>;
/** Another user, as anyone may see them: id, username and display name. */
export type RestPublicUser = Schemas['PublicUser'];
export type RestProject = Schemas['Project'];
export type RestProjectPage = Schemas['PaginatedProjectList'];
export type RestProjectRole = Schemas['CallerRoleEnum'];
export type RestMember = Schemas['Member'];
export type RestMemberPage = Schemas['PaginatedMemberList'];
/** Inviting by username: the same 202 body whether or not the name is a user's. */
export type RestInviteRequest = Schemas['InviteRequest'];
export type RestInvite = Schemas['Invite'];
export type RestInvitation = Schemas['Invitation'];
export type RestInvitationPage = Schemas['PaginatedInvitationList'];
export type Example = ExampleFieldsFragment;
export type Profile = Succeeded<UpdateProfileMutation['updateProfile']>;
export type Project = ProjectFieldsFragment;
export type ProjectMember = ProjectMemberFieldsFragment;
/** An invitation as its sender sees it (the username as typed). */
export type Invite = InviteFieldsFragment;
/** An invitation as its invitee sees it (the project by id and name). */
export type Invitation = InvitationFieldsFragment;
/** One live update: CREATED / UPDATED carry the example as the caller sees it; DELETED only `id` and `kind`. */
export type ExampleEvent = ExampleEventsSubscription['exampleEvents'];

/**
 * How a request proves who it is. A token needs no CSRF token and no cookies
 * (`credentials: 'omit'`); the session cookie needs `credentials: 'include'`
 * and, on POST, `X-CSRFToken` with the value from GET /api/auth/csrf/ (taken
 * after logging in: Django changes it at login).
 */
export type Auth =
  | { kind: 'anonymous' }
  | { kind: 'token'; token: string }
  | { kind: 'session'; csrfToken: string };

/** One entry of a GraphQL response's `errors`. */
export interface GraphQLErrorEntry {
  message: string;
  path?: ReadonlyArray<string | number>;
  extensions?: { code?: string; [key: string]: unknown };
}

/** A REST call that did not succeed: the status and the JSON body. */
export class RestError extends Error {
  constructor(
    readonly status: number,
    readonly body: unknown,
  ) {
    super(`REST request failed with HTTP ${status}: ${JSON.stringify(body)}`);
  }
}

/** A GraphQL response with `errors` (UNAUTHENTICATED, CSRF_FAILED, limits, ...). */
export class GraphQLRequestError extends Error {
  constructor(
    readonly status: number,
    readonly errors: GraphQLErrorEntry[],
  ) {
    super(errors.map((error) => error.message).join('; ') || `GraphQL request failed with HTTP ${status}`);
  }

  get code(): string | undefined {
    return this.errors[0]?.extensions?.code;
  }

  /** What exactly was refused behind BAD_USER_INPUT, where the server says: INVALID_CURSOR, CURSOR_MISMATCH, ... */
  get reason(): string | undefined {
    const reason = this.errors[0]?.extensions?.['reason'];
    return typeof reason === 'string' ? reason : undefined;
  }
}

/** A mutation answered OperationInfo: validation problems, "Not found." or a PERMISSION refusal. */
export class MutationError extends Error {
  readonly messages: OperationMessagesFragment['messages'];

  constructor(info: OperationMessagesFragment) {
    super(info.messages.map((entry) => (entry.field ? `${entry.field}: ${entry.message}` : entry.message)).join('; '));
    this.messages = info.messages;
  }

  get code(): string | null | undefined {
    return this.messages[0]?.code;
  }
}

/** The `code` of an OperationInfo for a row changed since the `ifUpdatedAt` the client sent. */
export const CONFLICT = 'CONFLICT';

/**
 * Someone changed the row since this client read it (`ifUpdatedAt` did not
 * match): nothing was written. Read the row again, show the user what changed,
 * and retry with the new `updatedAt` if they still want their change.
 */
export class ConflictError extends MutationError {}

/**
 * Lost-update protection for a write: the `updatedAt` the client last read.
 * Omitted, the write applies whatever happened since (last writer wins).
 */
export interface WriteCondition {
  ifUpdatedAt?: string;
}

/** Variables may be left out when an operation has none, or only optional ones. */
type VariablesArgs<TVariables> = Record<string, never> extends TVariables
  ? [variables?: TVariables]
  : [variables: TVariables];

type Succeeded<TPayload> = Exclude<TPayload, { __typename: 'OperationInfo' }>;

/** The payload union's data member, or a MutationError (ConflictError for CONFLICT) for its OperationInfo member. */
function unwrap<TPayload extends { __typename: string }>(payload: TPayload): Succeeded<TPayload> {
  if (payload.__typename === 'OperationInfo') {
    const info = payload as unknown as OperationMessagesFragment;
    throw info.messages.some((entry) => entry.code === CONFLICT) ? new ConflictError(info) : new MutationError(info);
  }
  return payload as Succeeded<TPayload>;
}

/**
 * The trusted document id of an operation: `sha256:<hex>`, the hash codegen
 * embedded in the document (`__meta__.hash`) and wrote to the manifest.
 */
export function documentId<TResult, TVariables>(document: TypedDocumentString<TResult, TVariables>): string {
  const hash: unknown = document.__meta__?.['hash'];
  if (typeof hash !== 'string') {
    throw new Error('This document has no persisted hash: run `npm run codegen`.');
  }
  return `sha256:${hash}`;
}

export class BackendClient {
  readonly baseUrl: string;
  auth: Auth = { kind: 'anonymous' };
  private readonly rest: Client<paths>;

  /** `baseUrl` is the backend's origin, e.g. `http://localhost:8000`. */
  constructor(baseUrl: string) {
    this.baseUrl = baseUrl.replace(/\/+$/, '');
    // REST calls always include cookies: login sets the session cookie, and
    // GET /api/auth/csrf/ sets the csrftoken cookie next to it.
    this.rest = createRestClient<paths>({ baseUrl: this.baseUrl, credentials: 'include' });
  }

  /**
   * Log in by username or email. `mode: 'token'` (the default) sends the token
   * from then on; `mode: 'session'` relies on the session cookie the login set
   * and fetches the CSRF token that goes with it.
   */
  async login(credentials: LoginRequest, mode: 'token' | 'session' = 'token'): Promise<LoginResponse> {
    const { data, error, response } = await this.rest.POST('/api/auth/login/', { body: credentials });
    if (!data) throw new RestError(response.status, error);
    this.auth = mode === 'token' ? { kind: 'token', token: data.token } : { kind: 'session', csrfToken: await this.csrfToken() };
    return data;
  }

  /** The CSRF token for the current session (and the csrftoken cookie, set by the same call). */
  async csrfToken(): Promise<string> {
    const { data, error, response } = await this.rest.GET('/api/auth/csrf/');
    if (!data) throw new RestError(response.status, error);
    return data.csrfToken;
  }

  /** One page of examples over REST, with the same credentials as GraphQL. */
  async restExamples(query: RestExampleQuery = {}): Promise<RestExamplePage> {
    const { data, error, response } = await this.rest.GET('/api/v1/examples/', {
      params: { query },
      headers: this.authHeaders(),
    });
    if (!data) throw new RestError(response.status, error);
    return data;
  }

  /**
   * Every example matching `query` over REST, by cursor (keyset) pages of
   * `limit`: the first page is `cursor=''`, then each page's `next` link.
   * A cursor is bound to the filters and ordering it was made for, so they
   * are sent unchanged with every page (the links carry them too).
   */
  async *restAllExamples(query: Omit<RestExampleQuery, 'cursor' | 'offset'> = {}): AsyncGenerator<RestExample> {
    let cursor: string | null = '';
    while (cursor !== null) {
      const page: RestExamplePage = await this.restExamples({ ...query, cursor });
      yield* page.results;
      cursor = page.next ? new URL(page.next).searchParams.get('cursor') : null;
    }
  }

  /**
   * Run one operation from operations/*.graphql with its typed variables.
   *
   * It is sent as a trusted document: its sha256 (`documentId`, from the
   * manifest `npm run codegen` writes), not its text, so it also runs on a
   * server with GRAPHQL_TRUSTED_DOCUMENTS_ONLY (the production default).
   */
  async graphql<TResult, TVariables>(
    document: TypedDocumentString<TResult, TVariables>,
    ...[variables]: VariablesArgs<TVariables>
  ): Promise<TResult> {
    const response = await fetch(`${this.baseUrl}/graphql/`, {
      method: 'POST',
      credentials: this.auth.kind === 'session' ? 'include' : 'omit',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json', ...this.authHeaders() },
      body: JSON.stringify({ documentId: documentId(document), variables: variables ?? {} }),
    });
    const body = (await response.json()) as { data?: TResult | null; errors?: GraphQLErrorEntry[] };
    if (body.errors?.length || !response.ok || body.data == null) {
      throw new GraphQLRequestError(response.status, body.errors ?? []);
    }
    return body.data;
  }

  async me(): Promise<MeQuery['me']> {
    return (await this.graphql(MeDocument)).me;
  }

  async examples(variables: ExamplesQueryVariables = {}): Promise<ExamplesQuery['examples']> {
    return (await this.graphql(ExamplesDocument, variables)).examples;
  }

  /** One page of examples by cursor (keyset): `first`/`after` forward, `last`/`before` backward. */
  async examplesPage(variables: ExamplesPageQueryVariables = {}): Promise<ExamplesPageQuery['examplesConnection']> {
    return (await this.graphql(ExamplesPageDocument, variables)).examplesConnection;
  }

  /**
   * Every example matching the filters, page after page by cursor. Rows added
   * while it runs neither repeat nor push others out (they sort before the
   * first page when newest first). A cursor that no longer fits (other
   * filters) fails with a GraphQLRequestError whose `reason` is
   * CURSOR_MISMATCH (`code` BAD_USER_INPUT); an altered one, INVALID_CURSOR.
   */
  async *allExamples(
    variables: Omit<ExamplesPageQueryVariables, 'after' | 'before' | 'last'> = {},
  ): AsyncGenerator<Example> {
    let after: string | null = null;
    do {
      const page: ExamplesPageQuery['examplesConnection'] = await this.examplesPage({ ...variables, after });
      for (const edge of page.edges) yield edge.node;
      after = page.pageInfo.hasNextPage ? (page.pageInfo.endCursor ?? null) : null;
    } while (after !== null);
  }

  async createExample(data: ExampleInput): Promise<Example> {
    return unwrap((await this.graphql(CreateExampleDocument, { data })).createExample);
  }

  /**
   * Change an example. Pass `{ ifUpdatedAt: example.updatedAt }` (as last read)
   * so that an edit made by someone else in between is not overwritten: the
   * call then throws ConflictError and nothing changes.
   */
  async updateExample(data: ExamplePartialInput, condition: WriteCondition = {}): Promise<Example> {
    const variables = { data, ifUpdatedAt: condition.ifUpdatedAt ?? null };
    return unwrap((await this.graphql(UpdateExampleDocument, variables)).updateExample);
  }

  /** Delete an example; with `ifUpdatedAt`, not if it changed since (ConflictError). */
  async deleteExample(id: string, condition: WriteCondition = {}): Promise<Example> {
    const variables = { id, ifUpdatedAt: condition.ifUpdatedAt ?? null };
    return unwrap((await this.graphql(DeleteExampleDocument, variables)).deleteExample);
  }

  async updateProfile(data: ProfileInput): Promise<Profile> {
    return unwrap((await this.graphql(UpdateProfileDocument, { data })).updateProfile);
  }

  /** The projects the caller owns or is a member of (members are in `project`). */
  async projects(variables: ProjectsQueryVariables = {}): Promise<ProjectsQuery['projects']> {
    return (await this.graphql(ProjectsDocument, variables)).projects;
  }

  /** One project with a page of its members, its invitations and a page of its examples; null when not visible. */
  async project(
    id: string,
    examples?: ProjectQueryVariables['examples'],
    members?: ProjectQueryVariables['members'],
  ): Promise<ProjectQuery['project']> {
    return (await this.graphql(ProjectDocument, { id, examples, members })).project;
  }

  async createProject(data: ProjectInput): Promise<Project> {
    return unwrap((await this.graphql(CreateProjectDocument, { data })).createProject);
  }

  /** Change a project (its owner only); `ifUpdatedAt` as for updateExample. */
  async updateProject(data: ProjectPartialInput, condition: WriteCondition = {}): Promise<Project> {
    const variables = { data, ifUpdatedAt: condition.ifUpdatedAt ?? null };
    return unwrap((await this.graphql(UpdateProjectDocument, variables)).updateProject);
  }

  async deleteProject(id: string, condition: WriteCondition = {}): Promise<Project> {
    const variables = { id, ifUpdatedAt: condition.ifUpdatedAt ?? null };
    return unwrap((await this.graphql(DeleteProjectDocument, variables)).deleteProject);
  }

  /**
   * Invite a user to a project (its owner only): `{projectId, username, role: 'EDITOR' | 'VIEWER'}`.
   * Nobody is added until the invitee accepts; the answer never says whether the username exists.
   */
  async addProjectMember(data: ProjectMemberInput): Promise<Invite> {
    return unwrap((await this.graphql(AddProjectMemberDocument, { data })).addProjectMember);
  }

  /** The pending invitations the caller may see: to them, and those of the projects they own. */
  async invitations(variables: InvitationsQueryVariables = {}): Promise<InvitationsQuery['invitations']> {
    return (await this.graphql(InvitationsDocument, variables)).invitations;
  }

  /** Accept an invitation to the caller: they become a member with its role. */
  async acceptInvitation(id: string): Promise<Invitation> {
    return unwrap((await this.graphql(AcceptInvitationDocument, { id })).acceptInvitation);
  }

  async declineInvitation(id: string): Promise<Invitation> {
    return unwrap((await this.graphql(DeclineInvitationDocument, { id })).declineInvitation);
  }

  /** The project's owner withdraws an invitation. */
  async cancelInvitation(id: string): Promise<Invite> {
    return unwrap((await this.graphql(CancelInvitationDocument, { id })).cancelInvitation);
  }

  /** Invite over REST: 202 with the same body for any username (`RestError` 429 past the rate). */
  async restInvite(projectId: number, body: RestInviteRequest): Promise<RestInvite> {
    const { data, error, response } = await this.rest.POST('/api/v1/projects/{project_id}/members/', {
      params: { path: { project_id: projectId } },
      body,
      headers: this.authHeaders(),
    });
    if (!data) throw new RestError(response.status, error);
    return data;
  }

  /** The caller's pending invitations over REST, a page at a time. */
  async restInvitations(query: { limit?: number; offset?: number } = {}): Promise<RestInvitationPage> {
    const { data, error, response } = await this.rest.GET('/api/v1/invitations/', {
      params: { query },
      headers: this.authHeaders(),
    });
    if (!data) throw new RestError(response.status, error);
    return data;
  }

  async updateProjectMember(data: ProjectMemberInput): Promise<ProjectMember> {
    return unwrap((await this.graphql(UpdateProjectMemberDocument, { data })).updateProjectMember);
  }

  /** The owner removes a member, or a member leaves (their own username). */
  async removeProjectMember(projectId: string, username: string): Promise<ProjectMember> {
    return unwrap((await this.graphql(RemoveProjectMemberDocument, { projectId, username })).removeProjectMember);
  }

  /**
   * Live updates: call `onEvent` for every change to an example the caller may
   * see (one project's with `projectId`), until the returned function is
   * called. One WebSocket per client (`graphql-ws`, protocol
   * graphql-transport-ws) at `/graphql/`, opened on the first subscription and
   * shared by the next ones; after a retryable close it reconnects with
   * backoff and subscribes again with `after:` the last `eventId` it received,
   * so the server sends what was missed first (see `onReconnected`: refetch
   * only when it says `resumed: false`).
   *
   * A token login sends `{Authorization: 'Token <key>'}` in connection_init; a
   * session login relies on the cookie the browser sends with the handshake
   * (the page's origin must be one the backend allows). The operation is sent
   * as its trusted document id, so it runs on a trusted-documents-only server too.
   */
  subscribeExampleEvents(
    onEvent: (event: ExampleEvent) => void,
    variables: ExampleEventsSubscriptionVariables = {},
    onError: (error: unknown) => void = (error) => console.error('exampleEvents:', error),
  ): () => void {
    // `live` is the payload's own variables object: graphql-ws serialises the payload
    // again at each re-subscription (graphql-ws 6, client.js `subscribe`), so the
    // `after` set below is what a reconnection sends.
    const live: ExampleEventsSubscriptionVariables = { ...variables };
    // The trusted document's id, as graphql() sends it; graphql-ws requires a
    // `query` string, which the server reads as absent when it is empty.
    const payload: SubscribePayload & { documentId: string } = {
      query: '',
      documentId: documentId(ExampleEventsDocument),
      variables: live,
    };
    let stopped = false;
    let stopCurrent = (): void => undefined;
    const start = (): void => {
      stopCurrent = this.socket().subscribe<ExampleEventsSubscription, ExampleEventsSubscriptionVariables>(
        payload,
        {
          next: (result) => {
            const errors = (result.errors ?? []) as GraphQLErrorEntry[];
            if (errors.some((error) => error.extensions?.code === RESUME_EXPIRED)) {
              // Too much or too old was missed: start afresh, and tell the page to refetch.
              delete live.after;
              this.notifyReconnected({ closeCode: undefined, resumed: false });
              if (!stopped) setTimeout(start, 0); // once this operation has completed
            } else if (errors.length) onError(new GraphQLRequestError(200, errors));
            else if (result.data) {
              const event = result.data.exampleEvents;
              if (event.eventId) live.after = event.eventId;
              onEvent(event);
            }
          },
          error: onError,
          complete: () => undefined,
        },
      );
    };
    this.liveSubscriptions.add(live);
    start();
    return () => {
      stopped = true;
      this.liveSubscriptions.delete(live);
      stopCurrent();
    };
  }

  /**
   * Call `listener` each time the live-updates socket is back after a close
   * it retried (a deploy's 1012, 1001, 1006, 1013, a network error): every
   * active subscription has been sent again by then, each resuming after the
   * last event it received. `resumed` is true when every subscription resumed
   * so: the server replays what was missed and nothing needs refetching. Else
   * (a subscription that had received nothing, or the server answered
   * RESUME_EXPIRED: past retention or too many missed, in which case the
   * listener is called again with `closeCode` undefined) refetch what the page
   * shows. `closeCode` is the code of the close that started the retries
   * (undefined when the socket failed without one). Returns the unsubscribe.
   */
  onReconnected(listener: (info: Reconnection) => void): () => void {
    this.reconnectedListeners.add(listener);
    return () => this.reconnectedListeners.delete(listener);
  }

  /** Close the live-updates socket (every subscription ends). */
  async closeSocket(): Promise<void> {
    await this.sockets?.dispose();
    this.sockets = undefined;
  }

  private sockets: SocketClient | undefined;
  private readonly reconnectedListeners = new Set<(info: Reconnection) => void>();
  // The variables of every active exampleEvents subscription (their `after` moves with each event).
  private readonly liveSubscriptions = new Set<ExampleEventsSubscriptionVariables>();

  private notifyReconnected(info: Reconnection): void {
    this.reconnectedListeners.forEach((listener) => listener(info));
  }

  private socket(): SocketClient {
    if (!this.sockets) {
      let lastCloseCode: number | undefined;
      this.sockets = createSocketClient({
        url: `${this.baseUrl.replace(/^http/, 'ws')}/graphql/`,
        // Read at each (re)connection, so a login after the socket opened is used.
        connectionParams: () => (this.auth.kind === 'token' ? { Authorization: `Token ${this.auth.token}` } : {}),
        lazy: true,
        // A ping every 25 s: proxies close WebSockets that stay silent (a quiet
        // subscription can go minutes without an event); the server answers pong.
        keepAlive: 25_000,
        retryAttempts: RECONNECT_ATTEMPTS,
        retryWait: reconnectDelay,
        // graphql-ws retries 1001, 1006, 1012, 1013 and network errors; these
        // mean the same credentials or the same load would be refused again.
        shouldRetry: (event) => !(isCloseEvent(event) && FINAL_CLOSE_CODES.has(event.code)),
        on: {
          closed: (event) => {
            lastCloseCode = isCloseEvent(event) ? event.code : undefined;
          },
          connected: (_socket, _payload, wasRetry) => {
            if (!wasRetry) return;
            const resumed = [...this.liveSubscriptions].every((live) => Boolean(live.after));
            const info: Reconnection = { closeCode: lastCloseCode, resumed };
            // After this tick: graphql-ws sends the subscriptions again once
            // `connected` returns, and the caller's refetch should follow them,
            // so a change between the two shows up in one or the other.
            setTimeout(() => this.notifyReconnected(info), 0);
          },
        },
      });
    }
    return this.sockets;
  }

  private authHeaders(): Record<string, string> {
    switch (this.auth.kind) {
      case 'token':
        return { Authorization: `Token ${this.auth.token}` };
      case 'session':
        return { 'X-CSRFToken': this.auth.csrfToken };
      case 'anonymous':
        return {};
    }
  }
}

/** What `onReconnected` listeners get. */
export interface Reconnection {
  closeCode: number | undefined;
  /** Every subscription resumed after its last event (the server replays the missed ones): no refetch needed. */
  resumed: boolean;
}

/** The subscription error that says a resume is not possible: refetch, then subscribe afresh. */
export const RESUME_EXPIRED = 'RESUME_EXPIRED';

/**
 * Closes not retried (docs/FRONTEND.md): 4401 not logged in and 4403 bad or
 * ended credentials (log in again first); 4429 too many sockets for this user
 * or address (another tab holds them: retrying adds load and is refused again).
 */
export const FINAL_CLOSE_CODES: ReadonlySet<number> = new Set([4401, 4403, 4429]);

/** Retries before a subscription gets the close as its error (about 3 minutes of waits). */
export const RECONNECT_ATTEMPTS = 10;

/**
 * Waits before retry `retries` (0 first): 1 s, 2 s, 4 s, ... capped at 30 s,
 * plus up to 1 s at random so the clients of a restarted node do not all
 * come back at the same instant.
 */
export async function reconnectDelay(retries: number): Promise<void> {
  const delay = Math.min(30_000, 1000 * 2 ** retries) + Math.floor(Math.random() * 1000);
  await new Promise((resolve) => setTimeout(resolve, delay));
}

function isCloseEvent(value: unknown): value is { code: number } {
  return typeof value === 'object' && value !== null && typeof (value as { code?: unknown }).code === 'number';
}

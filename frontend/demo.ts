/**
 * The typed client end to end, from Node: REST login → token → typed GraphQL.
 *
 *   npx tsx frontend/demo.ts http://localhost:8000 <username> <password> [<friend> <friend-password>]
 *
 * With a friend's account it also runs the shared-project flow: the user
 * creates a project and invites the friend as an editor; the friend does not
 * see it until they accept, then edits an example in it, is made a viewer (and
 * refused), then is removed.
 *
 * What it changes, as the account it runs as (it says so on stderr before
 * starting): it adds the examples "Typed client, renamed" and "Team note,
 * edited by a friend" and the project "Typed team" (the friend is removed from
 * it again), and keeps them; it sets the display name to "Typed Client" and
 * puts the previous one back before it ends. Run it as a throwaway account.
 *
 * Prints one JSON object with what each call answered. The browser tests run
 * it against a live backend (tests/e2e/test_typed_client.py). Node's fetch
 * keeps no cookies, so this uses the token; the browser tests cover the
 * session cookie with X-CSRFToken.
 */
import { BackendClient, ConflictError, GraphQLRequestError, MutationError, type ExampleEvent } from './client';

/** The shared-project flow between two accounts; what each step answered. */
async function sharedProject(owner: BackendClient, baseUrl: string, friendName: string, friendPassword: string) {
  const friend = new BackendClient(baseUrl);
  await friend.login({ username: friendName, password: friendPassword });
  const project = await owner.createProject({ name: 'Typed team', description: 'shared from demo.ts' });
  const invite = await owner.addProjectMember({ projectId: project.id, username: friendName, role: 'EDITOR' });
  const beforeAccepting = await friend.project(project.id);
  const pending = await friend.invitations();
  const received = pending.results.find((entry) => entry.project.id === project.id);
  if (!received) throw new Error('the friend sees no invitation to the project');
  const member = await friend.acceptInvitation(received.id);
  const example = await owner.createExample({ title: 'Team note', projectId: project.id });
  const friendsList = await friend.projects();
  const edited = await friend.updateExample({ id: example.id, title: 'Team note, edited by a friend' });
  await owner.updateProjectMember({ projectId: project.id, username: friendName, role: 'VIEWER' });
  let refusal: string | undefined;
  try {
    await friend.updateExample({ id: example.id, title: 'not allowed' });
  } catch (error) {
    if (!(error instanceof MutationError)) throw error;
    refusal = error.messages[0]?.kind;
  }
  const seenByOwner = await owner.project(project.id, { limit: 5 });
  await owner.removeProjectMember(project.id, friendName);
  return {
    invite: { username: invite.username, role: invite.role, status: invite.status },
    beforeAccepting,
    invitedBy: received.invitedBy.username,
    role: member.role,
    friendSees: friendsList.results.map((shared) => ({ name: shared.name, role: shared.role, owner: shared.owner.username })),
    editedTitle: edited.title,
    editedOwner: edited.owner.username,
    editedProject: edited.project?.name ?? null,
    viewerRefusal: refusal,
    members: seenByOwner?.members.results.map((entry) => ({ username: entry.user.username, role: entry.role })) ?? [],
    projectExamples: seenByOwner?.examples.results.map((entry) => entry.title) ?? [],
    afterRemoval: await friend.project(project.id),
  };
}

/**
 * Live updates through the typed client's subscribe helper: rename an example
 * until its UPDATED event arrives (a subscription has no acknowledgement),
 * then delete it and wait for DELETED. Returns what the events carried.
 */
async function liveUpdates(client: BackendClient) {
  const example = await client.createExample({ title: 'Typed client, live' });
  const events: ExampleEvent[] = [];
  let wake: () => void = () => undefined;
  const stop = client.subscribeExampleEvents((event) => {
    events.push(event);
    wake();
  });
  const arrival = (matches: (event: ExampleEvent) => boolean, ms: number) =>
    new Promise<ExampleEvent | undefined>((resolve) => {
      const timer = setTimeout(() => resolve(events.find(matches)), ms);
      wake = () => {
        const found = events.find(matches);
        if (found) {
          clearTimeout(timer);
          resolve(found);
        }
      };
    });
  try {
    let updated: ExampleEvent | undefined;
    for (let attempt = 0; attempt < 20 && !updated; attempt += 1) {
      const title = `Typed client, live ${attempt}`;
      await client.updateExample({ id: example.id, title });
      updated = await arrival((event) => event.kind === 'UPDATED' && event.example?.title === title, 500);
    }
    await client.deleteExample(example.id);
    const deleted = await arrival((event) => event.kind === 'DELETED' && event.id === example.id, 5000);
    return {
      updated: updated ? { kind: updated.kind, id: updated.id === example.id, title: updated.example?.title ?? null } : null,
      deleted: deleted ? { kind: deleted.kind, id: deleted.id === example.id, example: deleted.example } : null,
    };
  } finally {
    stop();
    await client.closeSocket();
  }
}

async function main(
  baseUrl: string,
  username: string,
  password: string,
  friendName?: string,
  friendPassword?: string,
): Promise<void> {
  const client = new BackendClient(baseUrl);

  let anonymousError: string | undefined;
  try {
    await client.examples();
  } catch (error) {
    if (!(error instanceof GraphQLRequestError)) throw error;
    anonymousError = error.code;
  }

  const login = await client.login({ username, password });
  const me = await client.me();
  const previousDisplayName = me?.profile?.displayName ?? '';
  const created = await client.createExample({ title: 'Typed client', content: 'from frontend/demo.ts' });
  // Lost-update protection: the rename passes the updatedAt it read; a second edit still
  // holding the old updatedAt is refused (ConflictError) and changes nothing.
  const updated = await client.updateExample(
    { id: created.id, title: 'Typed client, renamed' },
    { ifUpdatedAt: created.updatedAt },
  );
  let conflict: string | null | undefined;
  try {
    await client.updateExample({ id: created.id, title: 'a lost update' }, { ifUpdatedAt: created.updatedAt });
  } catch (error) {
    if (!(error instanceof ConflictError)) throw error;
    conflict = error.code;
  }
  const copy = await client.createExample({ title: 'Typed client, to delete' });
  const deleted = await client.deleteExample(copy.id);
  let validation: MutationError['messages'] = [];
  try {
    await client.createExample({ title: '' });
  } catch (error) {
    if (!(error instanceof MutationError)) throw error;
    validation = error.messages;
  }
  const profile = await client.updateProfile({ displayName: 'Typed Client' });
  const page = await client.examples({
    filters: { search: 'renamed' },
    ordering: [{ createdAt: 'DESC' }],
    pagination: { limit: 5, offset: 0 },
  });
  const restPage = await client.restExamples({ search: 'renamed', limit: 5 });
  const shared = friendName && friendPassword ? await sharedProject(client, baseUrl, friendName, friendPassword) : null;
  // Cursor pages of one row each: every example the caller may see, each once, newest first.
  const byCursor: string[] = [];
  for await (const example of client.allExamples({ first: 1 })) byCursor.push(example.title);
  const restByCursor: string[] = [];
  for await (const example of client.restAllExamples({ limit: 1 })) restByCursor.push(example.title);
  const live = await liveUpdates(client);
  const restored = await client.updateProfile({ displayName: previousDisplayName });

  console.log(
    JSON.stringify({
      anonymousError,
      userId: login.user_id,
      me: me?.username ?? null,
      created: created.title,
      updated: updated.title,
      conflict,
      deleted: deleted.id,
      validation: validation.map(({ kind, field, code }) => ({ kind, field, code })),
      displayName: profile.displayName,
      restoredDisplayName: restored.displayName,
      graphql: { totalCount: page.totalCount, titles: page.results.map((example) => example.title) },
      rest: { count: restPage.count, ids: restPage.results.map((example) => String(example.id)) },
      graphqlIds: page.results.map((example) => example.id),
      byCursor,
      restByCursor,
      shared,
      live,
    }),
  );
}

const [baseUrl, username, password, friendName, friendPassword] = process.argv.slice(2);
if (!baseUrl || !username || !password) {
  console.error('usage: tsx frontend/demo.ts <base-url> <username> <password> [<friend> <friend-password>]');
  process.exit(2);
}
console.error(
  `demo.ts runs as "${username}" on ${baseUrl}: it adds examples and a project to that account and keeps them; ` +
    'it changes the display name and puts it back. Use a throwaway account.',
);
main(baseUrl, username, password, friendName, friendPassword).catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});

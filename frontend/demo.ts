/**
 * The typed client end to end, from Node: REST login → token → typed GraphQL.
 *
 *   npx tsx frontend/demo.ts http://localhost:8000 <username> <password>
 *
 * Prints one JSON object with what each call answered. The browser tests run
 * it against a live backend (tests/e2e/test_typed_client.py). Node's fetch
 * keeps no cookies, so this uses the token; the browser tests cover the
 * session cookie with X-CSRFToken.
 */
import { BackendClient, GraphQLRequestError, MutationError } from './client';

async function main(baseUrl: string, username: string, password: string): Promise<void> {
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
  const created = await client.createExample({ title: 'Typed client', content: 'from frontend/demo.ts' });
  const updated = await client.updateExample({ id: created.id, title: 'Typed client, renamed' });
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

  console.log(
    JSON.stringify({
      anonymousError,
      userId: login.user_id,
      me: me?.username ?? null,
      created: created.title,
      updated: updated.title,
      deleted: deleted.id,
      validation: validation.map(({ kind, field, code }) => ({ kind, field, code })),
      displayName: profile.displayName,
      graphql: { totalCount: page.totalCount, titles: page.results.map((example) => example.title) },
      rest: { count: restPage.count, ids: restPage.results.map((example) => String(example.id)) },
      graphqlIds: page.results.map((example) => example.id),
    }),
  );
}

const [baseUrl, username, password] = process.argv.slice(2);
if (!baseUrl || !username || !password) {
  console.error('usage: tsx frontend/demo.ts <base-url> <username> <password>');
  process.exit(2);
}
main(baseUrl, username, password).catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});

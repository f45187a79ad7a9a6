// Live updates as the frontend does them: log in over REST (the session cookie),
// subscribe with the graphql-ws npm client (served from node_modules, as a build
// would bundle it), and edit with a trusted document over GraphQL.
// The test drives it through window.live: login(), watch(), rename().
import { createClient } from './vendor/graphql-ws/client.js';

const API = new URL(location.href).searchParams.get('api');
const state = { csrfToken: null, client: null };
const manifest = fetch('persisted-documents.json', { cache: 'no-store' }).then((response) => response.json());
const $ = (id) => document.getElementById(id);

async function operation(kind, name) {
  for (const [hash, text] of Object.entries(await manifest)) {
    if (text.includes(`${kind} ${name}(`)) return { hash, text };
  }
  throw new Error(`${name} is not in the manifest`);
}

async function login(username, password) {
  const response = await fetch(`${API}/api/auth/login/`, {
    method: 'POST',
    credentials: 'include',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ username, password }),
  });
  if (!response.ok) throw new Error(`login: HTTP ${response.status}`);
  const csrf = await fetch(`${API}/api/auth/csrf/`, { credentials: 'include' }).then((r) => r.json());
  state.csrfToken = csrf.csrfToken;
}

function show(event) {
  let item = document.querySelector(`#events li[data-id="${event.id}"]`);
  if (!item) {
    item = document.createElement('li');
    item.dataset.id = event.id;
    $('events').append(item);
  }
  item.dataset.kind = event.kind;
  item.textContent = event.example ? event.example.title : '(deleted)';
}

async function watch() {
  const { text } = await operation('subscription', 'ExampleEvents');
  // No connectionParams: the browser sends the session cookie with the handshake.
  state.client = createClient({ url: `${API.replace(/^http/, 'ws')}/graphql/`, retryAttempts: 0 });
  state.client.subscribe(
    { query: text, variables: {} },
    {
      next: (result) => (result.data ? show(result.data.exampleEvents) : ($('status').textContent = 'errors')),
      error: (error) => ($('status').textContent = `error ${error?.code ?? error}`),
      complete: () => ($('status').textContent = 'complete'),
    },
  );
  $('status').textContent = 'watching';
}

async function rename(id, title) {
  const { hash } = await operation('mutation', 'UpdateExample');
  const response = await fetch(`${API}/graphql/`, {
    method: 'POST',
    credentials: 'include',
    headers: { 'Content-Type': 'application/json', 'X-CSRFToken': state.csrfToken },
    body: JSON.stringify({ documentId: `sha256:${hash}`, variables: { data: { id, title } } }),
  });
  const body = await response.json();
  if (body.errors || body.data.updateExample.__typename === 'OperationInfo') throw new Error(JSON.stringify(body));
  return body.data.updateExample.title;
}

window.live = { login, watch, rename };
$('status').dataset.ready = 'yes';
